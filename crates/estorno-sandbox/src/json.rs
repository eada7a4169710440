//! A tiny ordered JSON object writer.
//!
//! `serde_json::Value` sorts object keys unless the workspace-wide `preserve_order` feature is on,
//! and turning that on would change every other crate's output. Bodies written with [`Obj`] keep
//! the field order of the providers' own examples, which makes the sandbox's answers read like
//! the documentation when a person looks at them.

use serde::Serialize;

/// Builds one JSON object, field by field, in the order the fields are added.
pub(crate) struct Obj {
    buf: String,
    empty: bool,
}

impl Obj {
    pub(crate) fn new() -> Self {
        Obj {
            buf: String::from("{"),
            empty: true,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.buf.push(',');
        }
        self.empty = false;
        self.buf.push_str(&encode(&key));
        self.buf.push(':');
    }

    /// Adds a field whose value serde can write (strings, numbers, `Option`, `Value`...).
    pub(crate) fn val<T: Serialize + ?Sized>(mut self, key: &str, value: &T) -> Self {
        self.key(key);
        self.buf.push_str(&encode(value));
        self
    }

    /// Adds a field whose value is already JSON text (a nested [`Obj`] or [`array`]).
    pub(crate) fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key);
        self.buf.push_str(json);
        self
    }

    /// Adds a field only when the value is present; absent fields are left out, not `null`.
    pub(crate) fn opt<T: Serialize>(self, key: &str, value: Option<T>) -> Self {
        match value {
            Some(value) => self.val(key, &value),
            None => self,
        }
    }

    pub(crate) fn done(mut self) -> String {
        self.buf.push('}');
        self.buf
    }
}

/// Joins already-encoded JSON values into an array.
pub(crate) fn array<I: IntoIterator<Item = String>>(items: I) -> String {
    let mut out = String::from("[");
    for (index, item) in items.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&item);
    }
    out.push(']');
    out
}

/// Serialises a value we built ourselves. Serialisation only fails for maps with non-string
/// keys, which the sandbox never builds, so `null` is an unreachable fallback, not error handling.
pub(crate) fn encode<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| String::from("null"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_field_order_and_escapes() {
        let inner = Obj::new().val("b", &1).done();
        let body = Obj::new()
            .val("z", "quote\"d")
            .raw("inner", &inner)
            .opt::<u8>("skipped", None)
            .val("n", &Option::<u8>::None)
            .raw("list", &array(vec![String::from("1"), String::from("2")]))
            .done();
        assert_eq!(
            body,
            r#"{"z":"quote\"d","inner":{"b":1},"n":null,"list":[1,2]}"#
        );
    }
}
