//! The control API under `/__sandbox/` (its table is in the crate documentation), for tests and
//! tools that run the sandbox in another process and cannot call its Rust methods.

use hyper::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clock;
use crate::fault::{Fault, FaultPlan};
use crate::json::{Obj, array, encode};
use crate::payment::Payment;
use crate::provider::Provider;
use crate::server::Shared;
use crate::wire::{Reply, Request};

pub(crate) const PREFIX: &str = "__sandbox";

fn ok<T: Serialize + ?Sized>(status: u16, value: &T) -> Reply {
    Reply::json(status, encode(value))
}

fn bad_request(message: &str) -> Reply {
    Reply::json(400, Obj::new().val("error", message).done())
}

/// Reads one `T` or an array of them.
fn one_or_many<T: DeserializeOwned>(body: &[u8]) -> Result<Vec<T>, Reply> {
    let is_array = body.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'[');
    let parsed = if is_array {
        serde_json::from_slice::<Vec<T>>(body)
    } else {
        serde_json::from_slice::<T>(body).map(|one| vec![one])
    };
    parsed.map_err(|error| bad_request(&error.to_string()))
}

pub(crate) fn handle(shared: &Shared, request: &Request, segments: &[String]) -> Reply {
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (&request.method, segments.as_slice()) {
        (&Method::GET, ["health"]) => health(shared),
        (&Method::GET, ["ledger"]) => ok(200, &shared.lock().ledger.entries()),
        (&Method::GET, ["requests"]) => ok(200, &shared.lock().ledger.requests()),
        (&Method::GET, ["faults"]) => ok(200, &shared.lock().faults.rules()),
        (&Method::POST, ["faults"]) => match one_or_many::<Fault>(&request.body) {
            Ok(faults) => {
                let added = faults.len();
                let mut state = shared.lock();
                for fault in faults {
                    state.faults.add(fault);
                }
                Reply::json(201, Obj::new().val("added", &added).done())
            }
            Err(reply) => reply,
        },
        (&Method::DELETE, ["faults"]) => {
            shared.lock().faults.clear();
            Reply::json(200, Obj::new().val("cleared", &true).done())
        }
        (&Method::POST, ["fault-plan"]) => match serde_json::from_slice::<FaultPlan>(&request.body)
        {
            Ok(plan) if (0.0..=1.0).contains(&plan.rate) => {
                shared.lock().faults.set_plan(Some(plan));
                Reply::json(200, Obj::new().val("planned", &true).done())
            }
            Ok(_) => bad_request("rate must be between 0.0 and 1.0"),
            Err(error) => bad_request(&error.to_string()),
        },
        (&Method::GET, ["payments"]) => ok(200, &shared.lock().payments()),
        (&Method::GET, ["payments", slug, id]) => {
            let payment =
                Provider::from_slug(slug).and_then(|provider| shared.lock().payment(provider, id));
            match payment {
                Some(payment) => ok(200, &payment.describe()),
                None => Reply::json(404, Obj::new().val("error", "no such payment").done()),
            }
        }
        (&Method::POST, ["payments"]) => match one_or_many::<Payment>(&request.body) {
            Ok(payments) => {
                let described: Vec<String> = payments
                    .iter()
                    .map(|payment| encode(&payment.describe()))
                    .collect();
                let mut state = shared.lock();
                let now = clock::now_unix();
                for payment in payments {
                    state.insert(payment, now);
                }
                Reply::json(201, array(described))
            }
            Err(reply) => reply,
        },
        (&Method::POST, ["tokens", "expire"]) => {
            shared.lock().tokens.expire_all();
            Reply::json(200, Obj::new().val("expired", &true).done())
        }
        _ => Reply::json(
            404,
            Obj::new().val("error", "unknown control endpoint").done(),
        ),
    }
}

fn health(shared: &Shared) -> Reply {
    let root = format!("http://{}", shared.addr);
    let providers = Provider::ALL.into_iter().map(|provider| {
        Obj::new()
            .val("slug", provider.slug())
            .val("base_url", &crate::base_url_for(&root, provider))
            .opt("token_url", crate::token_url_for(&root, provider))
            .done()
    });
    Reply::json(
        200,
        Obj::new()
            .val("status", "ok")
            .raw("providers", &array(providers))
            .done(),
    )
}
