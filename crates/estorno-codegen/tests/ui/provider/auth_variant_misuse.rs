use estorno::Cents;

#[derive(Debug, serde::Deserialize)]
pub struct Sale {
    pub amount: Cents,
}

// Other auth schemes: one taking other credentials than the provider's (a Bearer token where
// the provider takes client credentials), a name declared twice, a name configuration cannot
// write, a sandbox form without the production one, and a scheme without a name.
#[estorno::provider(
    name = "Acme",
    production = "https://api.acme.test/v2",
    sandbox = "https://sandbox.acme.test/v2",
    auth = oauth2_client_credentials(token_url = "/oauth2/token", request = form, client_auth = basic),
    auth(name = "legacy", production = "https://api.acme.test/v1", sandbox = "https://sandbox.acme.test/v1") = basic,
    auth(name = "legacy") = basic,
    auth(name = "token") = bearer,
    auth(name = "Old-One") = basic,
    auth(name = "v0", sandbox = "https://sandbox.acme.test/v0") = basic,
)]
pub trait Acme {
    #[get("/sales/{sale_id}")]
    #[ok(200 => Sale)]
    fn sale(sale_id: &str) -> Sale;
}

mod nameless {
    use super::Sale;

    #[estorno::provider(
        name = "Nameless",
        production = "https://api.nameless.test",
        auth = basic,
        auth(production = "https://api.nameless.test/v1") = basic,
    )]
    pub trait Nameless {
        #[get("/sales/{sale_id}")]
        #[ok(200 => Sale)]
        fn sale(sale_id: &str) -> Sale;
    }
}

fn main() {}
