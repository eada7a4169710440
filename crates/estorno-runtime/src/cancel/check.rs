//! Checks a `CancelRequest` against what the spec declares, before anything is sent: the
//! payment's id, every provider field, the partial amount and the idempotency key.
//!
//! The same check serves the library (every `Cancel` method runs it first) and the command
//! line (each row of a bulk file is checked before any request of the run leaves), so the two
//! can never disagree on what is refused.

use crate::call::{check_value, location_name};
use crate::spec::{CancelFieldSpec, FieldUse, ParamRef, ProviderSpec};

use super::{CancelError, CancelRequest};

/// The name under which errors about the payment's id are reported.
const PAYMENT: &str = "payment";

/// The name under which errors about the idempotency key are reported.
const KEY: &str = "idempotency_key";

/// Longest id or field value accepted where the spec declares no length: far above any real
/// provider id, far below what would make a request or a journal grow without bound.
pub(crate) const MAX_VALUE_CHARS: usize = 256;

/// Checks `request` against `spec`'s `cancel(...)` declaration; the first problem found is
/// returned, naming the field. Nothing is sent either way.
pub fn check_request(
    spec: &'static ProviderSpec,
    request: &CancelRequest,
) -> Result<(), CancelError> {
    let Some(cancel) = &spec.cancel else {
        return Err(CancelError::Provider {
            provider: spec.name,
            reason: "the spec declares no unified cancellation".to_owned(),
        });
    };
    check_text(PAYMENT, "the payment's id", request.payment())?;
    check_params(spec, PAYMENT, cancel.payment, request.payment())?;
    if request.amount().is_some() && !cancel.partial {
        return Err(CancelError::PartialNotSupported {
            provider: spec.name,
        });
    }
    for (name, value) in request.fields() {
        let Some(field) = cancel.field(name) else {
            return Err(CancelError::InvalidRequest {
                field: name.clone(),
                reason: unknown_field(spec, name),
            });
        };
        if value.is_empty() {
            continue;
        }
        check_text(name, &format!("field `{name}`"), value)?;
        check_value(&field.rule, "field", field.name, value, None).map_err(|reason| {
            CancelError::InvalidRequest {
                field: name.clone(),
                reason,
            }
        })?;
        check_params(spec, field.name, field.params, value)?;
    }
    let partial = request.amount().is_some();
    for field in cancel.fields {
        if required(field, partial) && request.get(field.name).is_none_or(str::is_empty) {
            let call = if partial { "partial" } else { "total" };
            return Err(CancelError::InvalidRequest {
                field: field.name.to_owned(),
                reason: format!(
                    "`{}` is required by {} for a {call} cancellation",
                    field.name, spec.name
                ),
            });
        }
    }
    if let Some(key) = request.idempotency_key() {
        let Some(key_param) = cancel.key else {
            return Err(CancelError::InvalidRequest {
                field: KEY.to_owned(),
                reason: format!(
                    "{} honours no idempotency key on cancellations; leave it out",
                    spec.name
                ),
            });
        };
        check_text(KEY, "the idempotency key", key)?;
        check_params(spec, KEY, &[key_param], key)?;
    }
    Ok(())
}

/// Whether the calls this request makes (the cancellation and the look-up) need `field`.
fn required(field: &CancelFieldSpec, partial: bool) -> bool {
    let call = if partial { field.partial } else { field.total };
    call == FieldUse::Required || field.status == FieldUse::Required
}

fn unknown_field(spec: &ProviderSpec, name: &str) -> String {
    let known: Vec<String> = spec
        .cancel
        .iter()
        .flat_map(|cancel| cancel.fields.iter())
        .map(|field| format!("`{}`", field.name))
        .collect();
    if known.is_empty() {
        format!("`{name}` is not a field of {}; it takes none", spec.name)
    } else {
        format!(
            "`{name}` is not a field of {}; its fields are {}",
            spec.name,
            known.join(", ")
        )
    }
}

/// What every id and field value must be, whatever its spec says: present, without spaces
/// around it (they are never trimmed silently), visible characters only, and of a sane length.
fn check_text(field: &str, what: &str, value: &str) -> Result<(), CancelError> {
    let invalid = |reason: String| {
        Err(CancelError::InvalidRequest {
            field: field.to_owned(),
            reason,
        })
    };
    if value.is_empty() {
        return invalid(format!("{what} is empty"));
    }
    if value.trim() != value {
        return invalid(format!("{what} has spaces around it"));
    }
    if let Some(position) = value.chars().position(char::is_control) {
        return invalid(format!(
            "{what} holds a control character (character {})",
            position + 1
        ));
    }
    let length = value.chars().count();
    if length > MAX_VALUE_CHARS {
        return invalid(format!(
            "{what} has {length} characters; at most {MAX_VALUE_CHARS} are accepted"
        ));
    }
    Ok(())
}

/// Checks `value` against the rule of every parameter it fills.
fn check_params(
    spec: &'static ProviderSpec,
    field: &str,
    params: &[ParamRef],
    value: &str,
) -> Result<(), CancelError> {
    for param in params
        .iter()
        .filter_map(|reference| reference.resolve(spec))
    {
        check_value(
            &param.rule,
            location_name(param.location),
            param.wire,
            value,
            None,
        )
        .map_err(|reason| CancelError::InvalidRequest {
            field: field.to_owned(),
            reason,
        })?;
        if value
            .split(['/', '\\'])
            .any(|segment| segment == "." || segment == "..")
        {
            return Err(CancelError::InvalidRequest {
                field: field.to_owned(),
                reason: format!(
                    "{} `{}` must not be `.` or `..` or contain such a segment",
                    location_name(param.location),
                    param.wire
                ),
            });
        }
    }
    Ok(())
}
