use estorno::{CancelResponse, Rejection};

#[derive(Debug, serde::Deserialize)]
pub struct Message {
    pub code: String,
    pub text: String,
}

// `code` and `reason` read different lists.
#[derive(Debug, serde::Deserialize, Rejection)]
#[rejection(reason = errors[].text, code = warnings[].code)]
pub struct TwoLists {
    pub errors: Vec<Message>,
    pub warnings: Vec<Message>,
}

// `[]` takes no index.
#[derive(Debug, serde::Deserialize, Rejection)]
#[rejection(reason = errors[0].text)]
pub struct Indexed {
    pub errors: Vec<Message>,
}

// A response's fields name one value each.
#[derive(Debug, serde::Deserialize, CancelResponse)]
#[cancel(reference = errors[].code)]
pub struct Listed {
    pub errors: Vec<Message>,
}

// `if status` chooses which elements of a summed list count: it needs the list.
#[derive(Debug, serde::Deserialize, CancelResponse)]
#[cancel(refunded = total if status)]
pub struct Filtered {
    pub total: estorno::Cents,
    pub status: String,
}

fn main() {}
