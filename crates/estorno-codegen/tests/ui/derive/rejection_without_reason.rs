use estorno::Rejection;

#[derive(Debug, serde::Deserialize, Rejection)]
pub struct ApiError {
    pub message: String,
}

fn main() {}
