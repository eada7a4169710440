//! The fixed credentials every sandbox accepts. They are not secrets: the `estorno` command line
//! uses them when no real credentials are configured, and tests use them to talk to the sandbox.
//! Anything else gets the provider's own "unauthorised" answer.

/// PicPay E-commerce `x-picpay-token`.
pub const PICPAY_ECOMMERCE_TOKEN: &str = "sandbox-picpay-token";

/// Yapay HTTP Basic user (the store login).
pub const YAPAY_USER: &str = "sandbox-user";
/// Yapay HTTP Basic password.
pub const YAPAY_PASSWORD: &str = "sandbox-password";

/// PicPay Checkout OAuth2 `client_id`.
pub const PICPAY_CHECKOUT_CLIENT_ID: &str = "sandbox-client-id";
/// PicPay Checkout OAuth2 `client_secret`.
pub const PICPAY_CHECKOUT_CLIENT_SECRET: &str = "sandbox-client-secret";

/// Liquido OAuth2 `client_id` (form-encoded token request on the auth host).
pub const LIQUIDO_CLIENT_ID: &str = "sandbox-liquido-client-id";
/// Liquido OAuth2 `client_secret`.
pub const LIQUIDO_CLIENT_SECRET: &str = "sandbox-liquido-client-secret";
/// Liquido `x-api-key`, required on every API call next to the bearer token.
pub const LIQUIDO_API_KEY: &str = "sandbox-liquido-api-key";

/// Zoop API key, sent as the HTTP Basic user name with an empty password.
pub const ZOOP_API_KEY: &str = "zpk_test_sandbox";

/// Mercado Pago access token (a test token, as `TEST-…` tokens select test mode).
pub const MERCADO_PAGO_ACCESS_TOKEN: &str = "TEST-sandbox-mercado-pago-token";

/// Pagar.me secret key, sent as the HTTP Basic user name with an empty password.
pub const PAGARME_SECRET_KEY: &str = "sk_test_sandbox";

/// PagBank Bearer token.
pub const PAGBANK_TOKEN: &str = "sandbox-pagbank-token";

/// Cielo `MerchantId` header (a GUID).
pub const CIELO_MERCHANT_ID: &str = "00000000-0000-4000-8000-00000000c1e1";
/// Cielo `MerchantKey` header (40 characters).
pub const CIELO_MERCHANT_KEY: &str = "SANDBOXCIELOMERCHANTKEY00000000000000000";

/// Efí Pix OAuth2 `client_id` (sent with the secret in a Basic header).
pub const EFI_PIX_CLIENT_ID: &str = "Client_Id_sandbox_efi";
/// Efí Pix OAuth2 `client_secret`.
pub const EFI_PIX_CLIENT_SECRET: &str = "Client_Secret_sandbox_efi";

/// e.Rede affiliation number (PV): the Basic user, for the token request and legacy calls.
pub const REDE_PV: &str = "10000001";
/// e.Rede integration key: the Basic password.
pub const REDE_INTEGRATION_KEY: &str = "sandbox-rede-integration-key";

/// Getnet OAuth2 `client_id` (sent with the secret in a Basic header, `scope=oob`).
pub const GETNET_CLIENT_ID: &str = "sandbox-getnet-client-id";
/// Getnet OAuth2 `client_secret`.
pub const GETNET_CLIENT_SECRET: &str = "sandbox-getnet-client-secret";
