use estorno::Cents;

#[derive(Debug, serde::Deserialize)]
pub struct Requested {
    pub status: String,
}

#[derive(serde::Serialize)]
pub struct CancelBody {
    pub cancel_amount: Cents,
}

// A JSON body field needs a JSON body that is always sent, a name, and a value always given.
#[estorno::provider(name = "Acme", production = "https://api.acme.test", auth = bearer)]
pub trait Acme {
    #[post("/cancel")]
    #[ok(200 => Requested)]
    fn without_body(#[json_field("cancel_custom_key")] key: &str) -> Requested;

    #[post("/cancel")]
    #[ok(200 => Requested)]
    fn optional_body(
        #[json] body: Option<&CancelBody>,
        #[json_field("cancel_custom_key")] key: &str,
    ) -> Requested;

    #[post("/cancel")]
    #[ok(200 => Requested)]
    fn optional_value(
        #[json] body: &CancelBody,
        #[json_field("cancel_custom_key")] key: Option<&str>,
    ) -> Requested;

    #[post("/cancel")]
    #[ok(200 => Requested)]
    fn unnamed(#[json] body: &CancelBody, #[json_field] key: &str) -> Requested;
}

fn main() {}
