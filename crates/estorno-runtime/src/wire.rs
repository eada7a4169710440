//! Serde building blocks for shapes providers send inconsistently, shared by every spec.
//!
//! Specs hold declarations only, so a provider whose field is "sometimes an object, sometimes
//! an array" or whose status is "a number, or the same number as a string" is handled here
//! once, for all of them.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A list the provider sends as an array, a single object, or `null`.
///
/// PicPay Checkout's error bodies carry `errors` as an array of `{message, field}` in some
/// responses and as one bare object in others; both decode to the same list here.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<T> OneOrMany<T> {
    /// The items, in the order received.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }

    /// Whether nothing was received.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T> std::ops::Deref for OneOrMany<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
            type Value = OneOrMany<T>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an array, a single object, or null")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany::default())
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany::default())
            }

            fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
                inner.deserialize_any(self)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let item = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(OneOrMany(vec![item]))
            }
        }

        deserializer.deserialize_any(OneOrManyVisitor(PhantomData))
    }
}

impl<T: Serialize> Serialize for OneOrMany<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Deserializes a text status (`"PAID"`) through the enum's `from_wire`.
#[doc(hidden)]
pub fn deserialize_text_status<'de, D, T>(
    deserializer: D,
    from_wire: fn(&str) -> T,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct TextVisitor<T>(fn(&str) -> T);

    impl<T> Visitor<'_> for TextVisitor<T> {
        type Value = T;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a status string")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            Ok((self.0)(value))
        }
    }

    deserializer.deserialize_str(TextVisitor(from_wire))
}

/// Deserializes a numeric status (`13` or `"13"`) through the enum's `from_code`.
#[doc(hidden)]
pub fn deserialize_code_status<'de, D, T>(
    deserializer: D,
    from_code: fn(i64) -> T,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct CodeVisitor<T>(fn(i64) -> T);

    impl<T> Visitor<'_> for CodeVisitor<T> {
        type Value = T;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a numeric status code")
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
            Ok((self.0)(value))
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
            i64::try_from(value)
                .map(self.0)
                .map_err(|_| E::custom("status code out of range"))
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            value
                .trim()
                .parse::<i64>()
                .map(self.0)
                .map_err(|_| E::custom("status code is not a number"))
        }
    }

    deserializer.deserialize_any(CodeVisitor(from_code))
}

#[cfg(test)]
mod tests {
    use super::OneOrMany;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct FieldError {
        message: String,
        field: String,
    }

    #[test]
    fn one_or_many_reads_arrays_objects_and_null() {
        let array: OneOrMany<FieldError> =
            serde_json::from_str(r#"[{"message":"m","field":"f"}]"#).unwrap();
        let object: OneOrMany<FieldError> =
            serde_json::from_str(r#"{"message":"m","field":"f"}"#).unwrap();
        let null: Option<OneOrMany<FieldError>> = serde_json::from_str("null").unwrap();
        let expected = vec![FieldError {
            message: "m".into(),
            field: "f".into(),
        }];
        assert_eq!(array.0, expected);
        assert_eq!(object.0, expected);
        assert_eq!(null, None);
    }
}
