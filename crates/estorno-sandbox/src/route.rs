//! Routing by path template: a simulated provider lists its operations as
//! `(method, "/v1/charges/{payment}/refund", operation)` and gets back the operation with the
//! placeholders' values, instead of matching segments by hand.

use hyper::Method;

use crate::provider::Routed;

/// One operation of a simulated provider.
pub(crate) struct Route {
    pub(crate) method: Method,
    /// The path after the provider's prefix, with `{name}` placeholders for whole segments.
    pub(crate) path: &'static str,
    /// The operation's name in fault rules, request counts and the ledger.
    pub(crate) operation: &'static str,
}

/// A request matched to an operation.
#[derive(Debug, Clone)]
pub(crate) struct Matched {
    pub(crate) operation: &'static str,
    captures: Vec<(&'static str, String)>,
}

impl Matched {
    /// The same call as another operation about another payment, its other placeholders
    /// (a marketplace, an establishment) kept.
    pub(crate) fn about(&self, operation: &'static str, payment: &str) -> Matched {
        let mut captures = self.captures.clone();
        for (name, value) in &mut captures {
            if *name == "payment" {
                payment.clone_into(value);
            }
        }
        Matched {
            operation,
            captures,
        }
    }

    /// The value of placeholder `name`, or empty when the template has none.
    pub(crate) fn get(&self, name: &str) -> &str {
        self.captures
            .iter()
            .find(|(placeholder, _)| *placeholder == name)
            .map_or("", |(_, value)| value.as_str())
    }
}

/// The operation `segments` (already percent-decoded) name with `method`. A path that
/// matches only with another method is [`Routed::WrongMethod`], so it is still counted.
pub(crate) fn route(routes: &[Route], method: &Method, segments: &[String]) -> Routed<Matched> {
    let mut wrong_method = None;
    for route in routes {
        let Some(captures) = captures(route.path, segments) else {
            continue;
        };
        if route.method == *method {
            return Routed::Call(Matched {
                operation: route.operation,
                captures,
            });
        }
        wrong_method.get_or_insert(route.operation);
    }
    match wrong_method {
        Some(operation) => Routed::WrongMethod(operation),
        None => Routed::NotFound,
    }
}

fn captures(template: &'static str, segments: &[String]) -> Option<Vec<(&'static str, String)>> {
    let parts: Vec<&'static str> = template.trim_start_matches('/').split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut captures = Vec::new();
    for (part, segment) in parts.into_iter().zip(segments) {
        match part
            .strip_prefix('{')
            .and_then(|name| name.strip_suffix('}'))
        {
            Some(name) => captures.push((name, segment.clone())),
            None if part == segment => {}
            None => return None,
        }
    }
    Some(captures)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &[Route] = &[
        Route {
            method: Method::POST,
            path: "/v1/charges/{payment}/refund",
            operation: "refund",
        },
        Route {
            method: Method::GET,
            path: "/v1/charges/{payment}",
            operation: "status",
        },
    ];

    fn segments(path: &str) -> Vec<String> {
        path.trim_start_matches('/')
            .split('/')
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn templates_match_whole_segments_and_capture_placeholders() {
        match route(ROUTES, &Method::POST, &segments("/v1/charges/c-1/refund")) {
            Routed::Call(matched) => {
                assert_eq!(
                    (matched.operation, matched.get("payment")),
                    ("refund", "c-1")
                );
            }
            _ => panic!("not routed"),
        }
        assert!(matches!(
            route(ROUTES, &Method::GET, &segments("/v1/charges/c-1/refund")),
            Routed::WrongMethod("refund")
        ));
        assert!(matches!(
            route(ROUTES, &Method::GET, &segments("/v1/charges/c-1/refunds")),
            Routed::NotFound
        ));
        assert!(matches!(
            route(ROUTES, &Method::GET, &segments("/v1/charges")),
            Routed::NotFound
        ));
    }
}
