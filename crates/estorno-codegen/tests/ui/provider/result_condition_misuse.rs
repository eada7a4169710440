use estorno::Cents;

#[derive(Debug, serde::Deserialize)]
pub struct Sale {
    pub amount: Cents,
}

#[derive(Debug, serde::Deserialize)]
pub struct ApiError {
    pub message: String,
}

#[estorno::provider(name = "Acme", production = "https://api.acme.test", auth = bearer)]
pub trait Acme {
    // A value that selects both a success and a refusal.
    #[put("/sales/{sale_id}/void")]
    #[ok(200 if "ReturnCode" = "0" | "9" => Sale)]
    #[err(200 if "ReturnCode" = "9" | "41" => ApiError)]
    fn void(sale_id: &str) -> Sale;

    // A value listed twice, and a condition on a body that is not read.
    #[put("/sales/{sale_id}/cancel")]
    #[ok(200 => Sale)]
    #[err(400 if "code" = "3" | "3" => ApiError)]
    #[err(422 if "code")]
    fn cancel(sale_id: &str) -> Sale;

    // A meaning nobody knows, and one on a success.
    #[get("/sales/{sale_id}")]
    #[ok(200 => Sale, landed)]
    #[err(404 => ApiError, gone)]
    fn sale(sale_id: &str) -> Sale;
}

fn main() {}
