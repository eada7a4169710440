//! The sandbox over real connections, one module per provider or concern, in one test binary:
//! every test binary links the whole HTTP stack, so one binary instead of nine saves building
//! and linking it eight more times.

mod common;

mod cielo;
mod control;
mod efi_pix;
mod faults;
mod getnet;
mod mercado_pago;
mod pagarme;
mod providers;
mod rede;
