//! What the client bench (`benches/client.rs`) runs beside the generated clients: the
//! hand-written reqwest clients it compares them with, and the loopback server both call.

pub mod hand;
pub mod server;

/// One thread, as a command line or a worker sending refunds one after another would run.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
