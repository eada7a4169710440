use estorno::Cents;

#[derive(Debug, serde::Deserialize)]
pub struct Sale {
    pub amount: Cents,
}

// An operation on a host nobody declared, a host declared twice, a host without the
// provider's sandbox form, and a name that would clash with the base URL's variable.
#[estorno::provider(
    name = "Acme",
    production = "https://api.acme.test",
    sandbox = "https://sandbox.acme.test",
    auth = bearer,
    host(name = "query", production = "https://query.acme.test", sandbox = "https://query-sandbox.acme.test"),
    host(name = "query", production = "https://query2.acme.test", sandbox = "https://query2-sandbox.acme.test"),
    host(name = "reports", production = "https://reports.acme.test"),
    host(name = "base", production = "https://base.acme.test", sandbox = "https://base-sandbox.acme.test"),
)]
pub trait Acme {
    #[get("/sales/{sale_id}")]
    #[host("queries")]
    #[ok(200 => Sale)]
    fn sale(sale_id: &str) -> Sale;
}

fn main() {}
