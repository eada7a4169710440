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

/// An identifier a provider sends as a JSON string or as a number, kept as its text.
///
/// Yapay writes `codigoEstabelecimento` as `"1000000000000"` in some answers and as
/// `1000000000000` in others; both read as the same identifier, and it is written back as a
/// string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Identifier(String);

impl Identifier {
    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Identifier {
    fn from(text: &str) -> Self {
        Identifier(text.to_owned())
    }
}

impl From<String> for Identifier {
    fn from(text: String) -> Self {
        Identifier(text)
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Identifier {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Identifier {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl Serialize for Identifier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Identifier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdentifierVisitor;

        impl Visitor<'_> for IdentifierVisitor {
            type Value = Identifier;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an identifier as a string or a whole number")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Identifier, E> {
                Ok(Identifier(value.to_owned()))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Identifier, E> {
                Ok(Identifier(value.to_string()))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Identifier, E> {
                Ok(Identifier(value.to_string()))
            }
        }

        deserializer.deserialize_any(IdentifierVisitor)
    }
}

/// Personal data (a payer's CPF, e-mail, phone, address) inside a provider's response.
///
/// It decodes and encodes as the inner value, so nothing is lost, but its `Debug` prints
/// `[personal data]`: a response logged with `{:?}`, kept in an error or written to a journal
/// through `Debug` never shows it. Read it on purpose with [`Personal::expose`].
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Personal<T>(T);

impl<T> Personal<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Personal(value)
    }

    /// The personal value, read on purpose.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// The personal value, taken out on purpose.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Personal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[personal data]")
    }
}

impl<T: Serialize> Serialize for Personal<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Personal<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Personal)
    }
}

/// A date or date and time as a provider writes it, kept as text and read into its parts.
///
/// Providers disagree on formats, and one provider may use several: ISO 8601 with an offset
/// (`2023-11-08T10:42:36-03:00`, PicPay), `2018-01-03 13:02:53` and `24/05/2017` (Yapay),
/// `2022-06-02 11:45:44 GMT+08:00` (Liquido). Every one of these reads into [`DateParts`];
/// a format not listed still decodes, keeping its text, with [`Timestamp::parts`] `None`,
/// because a refund's answer must never fail over how a date is written.
///
/// Decoding keeps the text only; its parts are read when asked for, so answers whose dates
/// nobody reads cost no more than a string.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    text: String,
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timestamp")
            .field("text", &self.text)
            .field("parts", &self.parts())
            .finish()
    }
}

/// The fields of a [`Timestamp`]. Time and offset are `None` when the text does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateParts {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    /// Hour, minute, second.
    pub time: Option<(u8, u8, u8)>,
    /// Offset from UTC in minutes (`-180` for `-03:00`).
    pub offset_minutes: Option<i16>,
}

impl Timestamp {
    /// Reads a timestamp in any of the formats above.
    pub fn parse(text: &str) -> Timestamp {
        Timestamp {
            text: text.to_owned(),
        }
    }

    /// The text as the provider wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The date's parts, when the format is one of the known ones.
    pub fn parts(&self) -> Option<DateParts> {
        parse_date(self.text.trim())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor rather than `String`/`Cow`: the text is copied once, straight from the
        // body, or kept when the deserializer already owns it.
        struct TimestampVisitor;

        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a date or date and time as text")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Timestamp, E> {
                Ok(Timestamp::parse(text))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Timestamp, E> {
                Ok(Timestamp { text })
            }
        }

        deserializer.deserialize_str(TimestampVisitor)
    }
}

/// `text` split at `separator` into exactly three parts, without allocating.
fn three(text: &str, separator: char) -> Option<(&str, &str, &str)> {
    let mut parts = text.split(separator);
    let found = (parts.next()?, parts.next()?, parts.next()?);
    parts.next().is_none().then_some(found)
}

fn number<T: std::str::FromStr>(text: &str, digits: usize) -> Option<T> {
    (text.len() == digits && text.bytes().all(|byte| byte.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// The number written by `text`'s bytes at `at`, exactly `width` ASCII digits.
fn digits_at(text: &[u8], at: usize, width: usize) -> Option<u16> {
    let field = text.get(at..at + width)?;
    field.iter().try_fold(0u16, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u16::from(byte - b'0'))
    })
}

/// Reads the known formats by position, without splitting or allocating: timestamps are in
/// every answer of some providers.
fn parse_date(text: &str) -> Option<DateParts> {
    // `24/05/2017`
    if text.contains('/') {
        let (day, month, year) = three(text, '/')?;
        return checked(
            number(year, 4)?,
            number(month, 2)?,
            number(day, 2)?,
            None,
            None,
        );
    }
    // `2023-11-08`, then perhaps a time.
    let bytes = text.as_bytes();
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let year = digits_at(bytes, 0, 4)?;
    let month = u8::try_from(digits_at(bytes, 5, 2)?).ok()?;
    let day = u8::try_from(digits_at(bytes, 8, 2)?).ok()?;
    if bytes.len() == 10 {
        return checked(year, month, day, None, None);
    }
    // `T10:42:36-03:00`, ` 13:02:53`, ` 11:45:44 GMT+08:00`, with optional fractions.
    if !matches!(bytes[10], b'T' | b' ')
        || bytes.get(13) != Some(&b':')
        || bytes.get(16) != Some(&b':')
    {
        return None;
    }
    let clock = |at| digits_at(bytes, at, 2).and_then(|value| u8::try_from(value).ok());
    let time = (clock(11)?, clock(14)?, clock(17)?);
    // Everything before byte 19 is ASCII, so it is a character boundary.
    let zone = &text[19..];
    let zone = match zone.strip_prefix('.') {
        Some(fraction) => fraction.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => zone,
    };
    let zone = zone.trim_start();
    let zone = zone
        .strip_prefix("GMT")
        .or_else(|| zone.strip_prefix("UTC"))
        .unwrap_or(zone);
    let offset = match zone {
        "" => None,
        "Z" => Some(0),
        _ => {
            let (sign, digits) = match zone.as_bytes()[0] {
                b'+' => (1, &zone[1..]),
                b'-' => (-1, &zone[1..]),
                _ => return None,
            };
            let (hours, minutes) = digits.split_once(':').unwrap_or((digits, "00"));
            let hours: i16 = number(hours, 2)?;
            let minutes: i16 = number(minutes, 2)?;
            if hours > 14 || minutes > 59 {
                return None;
            }
            Some(sign * (hours * 60 + minutes))
        }
    };
    checked(year, month, day, Some(time), offset)
}

fn checked(
    year: u16,
    month: u8,
    day: u8,
    time: Option<(u8, u8, u8)>,
    offset_minutes: Option<i16>,
) -> Option<DateParts> {
    let valid_date = (1..=12).contains(&month) && (1..=31).contains(&day);
    let valid_time =
        time.is_none_or(|(hour, minute, second)| hour < 24 && minute < 60 && second < 61);
    (valid_date && valid_time).then_some(DateParts {
        year,
        month,
        day,
        time,
        offset_minutes,
    })
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
    use super::{DateParts, Identifier, OneOrMany, Personal, Timestamp};

    #[test]
    fn timestamps_read_every_known_format() {
        let parts = |text: &str| Timestamp::parse(text).parts();
        assert_eq!(
            parts("2023-11-08T10:42:36-03:00"),
            Some(DateParts {
                year: 2023,
                month: 11,
                day: 8,
                time: Some((10, 42, 36)),
                offset_minutes: Some(-180)
            })
        );
        assert_eq!(
            parts("2022-06-02 11:45:44 GMT+08:00"),
            Some(DateParts {
                year: 2022,
                month: 6,
                day: 2,
                time: Some((11, 45, 44)),
                offset_minutes: Some(480)
            })
        );
        assert_eq!(
            parts("2018-01-03 13:02:53"),
            Some(DateParts {
                year: 2018,
                month: 1,
                day: 3,
                time: Some((13, 2, 53)),
                offset_minutes: None
            })
        );
        assert_eq!(
            parts("24/05/2017"),
            Some(DateParts {
                year: 2017,
                month: 5,
                day: 24,
                time: None,
                offset_minutes: None
            })
        );
        assert_eq!(
            parts("2024-02-01T00:00:00.123Z").and_then(|p| p.offset_minutes),
            Some(0)
        );
        let odd = Timestamp::parse("yesterday");
        assert_eq!((odd.as_str(), odd.parts()), ("yesterday", None));
        assert_eq!(parts("2017-13-01"), None);
        // Not three parts of each: no date, the text kept.
        assert_eq!(parts("24/05/2017/1"), None);
        assert_eq!(parts("2017-05"), None);
        assert_eq!(parts("2018-01-03 13:02"), None);
        // A character of several bytes where a digit belongs is no date, never a panic.
        assert_eq!(parts("2023-11-0\u{e9}"), None);
        assert_eq!(parts("2023-11-08T10:42:3\u{e9}"), None);
        assert_eq!(parts("2023-11-08T10:42:36\u{e9}"), None);
    }

    #[test]
    fn timestamps_decode_from_borrowed_escaped_and_owned_text() {
        let expected = Timestamp::parse("2023-11-08T10:42:36-03:00");
        let borrowed: Timestamp = serde_json::from_str(r#""2023-11-08T10:42:36-03:00""#).unwrap();
        let escaped: Timestamp =
            serde_json::from_str(r#""2023-11-08T10:42:36\u002d03:00""#).unwrap();
        let owned: Timestamp =
            serde_json::from_value(serde_json::json!("2023-11-08T10:42:36-03:00")).unwrap();
        assert_eq!(borrowed, expected);
        assert_eq!(escaped, expected);
        assert_eq!(owned, expected);
        assert_eq!(owned.parts().and_then(|p| p.offset_minutes), Some(-180));
        let error = serde_json::from_str::<Timestamp>("17").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expected a date or date and time as text"),
            "{error}"
        );
    }

    #[test]
    fn identifiers_read_strings_and_numbers() {
        let text: Identifier = serde_json::from_str(r#""1000000000000""#).unwrap();
        let number: Identifier = serde_json::from_str("1000000000000").unwrap();
        assert_eq!(text, number);
        assert_eq!(
            serde_json::to_string(&number).unwrap(),
            r#""1000000000000""#
        );
    }

    #[test]
    fn personal_data_never_shows_in_debug() {
        let cpf: Personal<String> = serde_json::from_str(r#""00740886967""#).unwrap();
        assert_eq!(format!("{cpf:?}"), "[personal data]");
        assert_eq!(cpf.expose(), "00740886967");
        assert_eq!(serde_json::to_string(&cpf).unwrap(), r#""00740886967""#);
    }

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
