mod neither {
    #[estorno::provider(
        name = "Acme",
        production = "https://api.acme.test",
        // Neither `basic` nor `body`.
        auth = oauth2_client_credentials(token_url = "/oauth/token", request = form, client_auth = header),
    )]
    pub trait Acme {}
}

mod empty_scope {
    #[estorno::provider(
        name = "Acme",
        production = "https://api.acme.test",
        // An empty scope names nothing.
        auth = oauth2_client_credentials(token_url = "/oauth/token", request = form, scope = ""),
    )]
    pub trait Acme {}
}

fn main() {}
