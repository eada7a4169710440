//! Amounts of money in Brazilian reais, held as exact integer cents.
//!
//! Most providers put integer cents on the wire ([`Cents`]); PicPay E-commerce's refunds take
//! decimal reais ([`Reais`]). Both hold a whole number of cents and convert between text and
//! cents digit by digit, so no amount ever passes through a float.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// An amount in integer cents of a real (`Cents::new(1234)` is R$ 12,34).
///
/// On the wire it is a JSON integer. It also reads an integer written as a string (`"100"`),
/// as some providers (Liquido's `finalAmount`) send either; negative amounts and fractions of
/// a cent are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(u64);

impl Cents {
    /// No money at all.
    pub const ZERO: Cents = Cents(0);

    /// An amount of `cents` hundredths of a real.
    pub const fn new(cents: u64) -> Self {
        Cents(cents)
    }

    /// The amount in cents.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Whether the amount is zero, which no provider accepts as a refund.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The sum, or `None` if it does not fit.
    pub const fn checked_add(self, other: Cents) -> Option<Cents> {
        match self.0.checked_add(other.0) {
            Some(sum) => Some(Cents(sum)),
            None => None,
        }
    }

    /// The difference, or `None` if `other` is larger (amounts are never negative).
    pub const fn checked_sub(self, other: Cents) -> Option<Cents> {
        match self.0.checked_sub(other.0) {
            Some(difference) => Some(Cents(difference)),
            None => None,
        }
    }
}

impl From<u64> for Cents {
    fn from(cents: u64) -> Self {
        Cents(cents)
    }
}

impl From<Cents> for u64 {
    fn from(amount: Cents) -> Self {
        amount.0
    }
}

/// Brazilian notation with thousands separators: `R$ 1.234,56`.
impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reais = (self.0 / 100).to_string();
        let mut grouped = String::with_capacity(reais.len() + reais.len() / 3);
        for (index, digit) in reais.chars().enumerate() {
            if index > 0 && (reais.len() - index).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(digit);
        }
        write!(f, "R$ {grouped},{:02}", self.0 % 100)
    }
}

impl Serialize for Cents {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Cents {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CentsVisitor)
    }
}

struct CentsVisitor;

// Messages never repeat the value: it came from the wire and ends up in error reports.
impl Visitor<'_> for CentsVisitor {
    type Value = Cents;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount in cents, as a whole number or a string of digits")
    }

    fn visit_u64<E: de::Error>(self, cents: u64) -> Result<Cents, E> {
        Ok(Cents(cents))
    }

    fn visit_i64<E: de::Error>(self, cents: i64) -> Result<Cents, E> {
        u64::try_from(cents)
            .map(Cents)
            .map_err(|_| E::custom("an amount in cents must not be negative"))
    }

    fn visit_u128<E: de::Error>(self, cents: u128) -> Result<Cents, E> {
        u64::try_from(cents)
            .map(Cents)
            .map_err(|_| E::custom("an amount in cents is too large"))
    }

    fn visit_i128<E: de::Error>(self, cents: i128) -> Result<Cents, E> {
        if cents < 0 {
            return Err(E::custom("an amount in cents must not be negative"));
        }
        u64::try_from(cents)
            .map(Cents)
            .map_err(|_| E::custom("an amount in cents is too large"))
    }

    fn visit_f64<E: de::Error>(self, cents: f64) -> Result<Cents, E> {
        // `100.0` is a whole number of cents; anything a float cannot hold exactly is not.
        const EXACT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
        if cents < 0.0 {
            Err(E::custom("an amount in cents must not be negative"))
        } else if cents.fract() != 0.0 || !cents.is_finite() || cents > EXACT_LIMIT {
            Err(E::custom(
                "an amount in cents must be a whole number, not a fraction",
            ))
        } else {
            // Exact: the value is a whole number below 2^53.
            Ok(Cents(cents as u64))
        }
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Cents, E> {
        parse_cents_text(text).map_err(E::custom)
    }
}

/// Parses a string of digits as cents, with messages that do not repeat the text.
fn parse_cents_text(text: &str) -> Result<Cents, &'static str> {
    if text.starts_with('-') {
        return Err("an amount in cents must not be negative");
    }
    if text.contains(['.', ',']) {
        return Err("an amount in cents must be a whole number, not a fraction");
    }
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err("an amount in cents must be a string of digits");
    }
    text.parse::<u64>()
        .map(Cents)
        .map_err(|_| "an amount in cents is too large")
}

/// An amount to refund or cancel: whole cents, at least one.
///
/// No provider accepts a refund of zero, so request bodies take an `Amount` and the mistake
/// is caught where the value is built, with the field named, before anything is sent. On the
/// wire it is a JSON integer of cents, like [`Cents`]; reading one that is zero fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(Cents);

/// Why an [`Amount`] could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    #[error("an amount must be at least 1 cent")]
    Zero,
}

impl Amount {
    /// An amount of `cents` hundredths of a real; zero is refused.
    pub const fn from_cents(cents: u64) -> Result<Self, AmountError> {
        if cents == 0 {
            Err(AmountError::Zero)
        } else {
            Ok(Amount(Cents(cents)))
        }
    }

    /// The amount in cents.
    pub const fn cents(self) -> Cents {
        self.0
    }

    /// The amount as a number of cents.
    pub const fn get(self) -> u64 {
        self.0.0
    }

    /// The same amount as decimal reais, for providers that want them on the wire.
    pub const fn reais(self) -> Reais {
        Reais(self.0)
    }

    /// The same amount as a decimal string of reais (`"7.89"`), for providers that write
    /// amounts as text (Efí's Pix refunds).
    pub const fn reais_text(self) -> ReaisText {
        ReaisText(Reais(self.0))
    }
}

impl TryFrom<Cents> for Amount {
    type Error = AmountError;

    fn try_from(cents: Cents) -> Result<Self, AmountError> {
        Amount::from_cents(cents.get())
    }
}

impl From<Amount> for Cents {
    fn from(amount: Amount) -> Self {
        amount.0
    }
}

/// Same notation as [`Cents`]: `R$ 12,34`.
impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let cents = Cents::deserialize(deserializer)?;
        Amount::try_from(cents).map_err(de::Error::custom)
    }
}

/// An amount written on the wire in decimal reais (`12.34`), held as exact cents.
///
/// PicPay E-commerce's refund endpoint takes reais. The amount serializes as a JSON number
/// with exactly two decimals (`Reais::from(Cents::new(1200))` is written `12.00`), produced
/// as text through [`serde_json::value::RawValue`] so that no float is involved. It reads a
/// JSON number or a numeric string (`12.3`, `"12.30"`) digit by digit; more than two
/// significant decimals, negative amounts, exponents and non-numbers are refused.
///
/// The exact representation relies on serde_json: inside `#[serde(flatten)]` or untagged
/// enums, which buffer values through serde's generic content, reading a `Reais` fails
/// rather than rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Reais(Cents);

impl Reais {
    /// An amount of `cents` hundredths of a real.
    pub const fn from_cents(cents: u64) -> Self {
        Reais(Cents(cents))
    }

    /// The amount in cents.
    pub const fn cents(self) -> Cents {
        self.0
    }

    /// The amount as written on the wire, always with two decimals: `12.34`, `12.00`.
    pub fn to_decimal_string(self) -> String {
        format!("{}.{:02}", self.0.0 / 100, self.0.0 % 100)
    }
}

impl From<Cents> for Reais {
    fn from(cents: Cents) -> Self {
        Reais(cents)
    }
}

impl From<Reais> for Cents {
    fn from(amount: Reais) -> Self {
        amount.0
    }
}

/// Same notation as [`Cents`]: `R$ 12,34`.
impl fmt::Display for Reais {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Why a decimal amount in reais was refused. The message never repeats the text it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReaisParseError {
    #[error("an amount in reais must not be negative")]
    Negative,
    #[error("an amount in reais has more than 2 decimal places")]
    TooManyDecimals,
    #[error("an amount in reais must be written as digits with an optional decimal point")]
    NotANumber,
    #[error("an amount in reais is too large")]
    TooLarge,
}

impl std::str::FromStr for Reais {
    type Err = ReaisParseError;

    /// Reads `12`, `12.3`, `12.34` or `12.340` exactly; `12.345` and `-1` are errors.
    fn from_str(text: &str) -> Result<Self, ReaisParseError> {
        if text.starts_with('-') {
            return Err(ReaisParseError::Negative);
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(ReaisParseError::NotANumber);
        }
        if text.ends_with('.') {
            return Err(ReaisParseError::NotANumber);
        }
        // Trailing zeros are exact (`12.340` is 1234 cents); a third significant digit is not.
        let significant = fraction.trim_end_matches('0');
        if significant.len() > 2 {
            return Err(ReaisParseError::TooManyDecimals);
        }
        let whole: u64 = whole.parse().map_err(|_| ReaisParseError::TooLarge)?;
        let mut cents_part = 0u64;
        for (position, digit) in significant.bytes().enumerate() {
            let weight = if position == 0 { 10 } else { 1 };
            cents_part += u64::from(digit - b'0') * weight;
        }
        whole
            .checked_mul(100)
            .and_then(|cents| cents.checked_add(cents_part))
            .map(Reais::from_cents)
            .ok_or(ReaisParseError::TooLarge)
    }
}

impl Serialize for Reais {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw =
            RawValue::from_string(self.to_decimal_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Reais {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The raw text of the value, so `12.34` is read as digits, never as an f64.
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        let number: std::borrow::Cow<'_, str> = if text.starts_with('"') {
            let unquoted: String = serde_json::from_str(text)
                .map_err(|_| de::Error::custom(ReaisParseError::NotANumber))?;
            unquoted.into()
        } else if text.contains(['e', 'E']) {
            return Err(de::Error::custom(
                "an amount in reais must not use exponent notation",
            ));
        } else {
            text.into()
        };
        number.parse().map_err(de::Error::custom)
    }
}

/// An amount in reais written as a JSON string with exactly two decimals, `"7.89"`, as Efí's
/// Pix API writes `valor`. It reads a string or a number digit by digit, as [`Reais`] does;
/// no float is ever involved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ReaisText(pub Reais);

impl ReaisText {
    /// The amount in cents.
    pub const fn cents(self) -> Cents {
        self.0.cents()
    }
}

impl fmt::Display for ReaisText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for ReaisText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_decimal_string())
    }
}

impl<'de> Deserialize<'de> for ReaisText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Reais::deserialize(deserializer).map(ReaisText)
    }
}

/// An amount a provider writes either as integer cents (`1000`) or as decimal reais
/// (`"10.00"`, `10.5`), read exactly into cents.
///
/// Zoop takes cents in requests but is reported to answer amounts as decimal strings; the
/// in-repo simulator answers cents. The rule is the written form: a JSON integer, or a
/// string of digits only, is cents; anything with a decimal point is reais (at most two
/// decimals, no float involved). It is written back as integer cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct CentsOrReais(Cents);

impl CentsOrReais {
    /// The amount in cents.
    pub const fn cents(self) -> Cents {
        self.0
    }
}

impl From<Cents> for CentsOrReais {
    fn from(cents: Cents) -> Self {
        CentsOrReais(cents)
    }
}

impl From<CentsOrReais> for Cents {
    fn from(amount: CentsOrReais) -> Self {
        amount.0
    }
}

impl fmt::Display for CentsOrReais {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for CentsOrReais {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for CentsOrReais {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        let number: std::borrow::Cow<'_, str> = if text.starts_with('"') {
            serde_json::from_str::<String>(text)
                .map_err(|_| de::Error::custom(ReaisParseError::NotANumber))?
                .into()
        } else if text.contains(['e', 'E']) {
            return Err(de::Error::custom(
                "an amount must not use exponent notation",
            ));
        } else {
            text.into()
        };
        if number.contains('.') {
            let reais: Reais = number.parse().map_err(de::Error::custom)?;
            return Ok(CentsOrReais(reais.cents()));
        }
        if number.starts_with('-') {
            return Err(de::Error::custom("an amount must not be negative"));
        }
        if number.is_empty() || !number.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(de::Error::custom(ReaisParseError::NotANumber));
        }
        number
            .parse::<u64>()
            .map(|cents| CentsOrReais(Cents(cents)))
            .map_err(|_| de::Error::custom(ReaisParseError::TooLarge))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_or_reais_follow_the_written_form() {
        let read = |json: &str| serde_json::from_str::<CentsOrReais>(json).map(|a| a.cents().get());
        assert_eq!(read("1000").ok(), Some(1000));
        assert_eq!(read(r#""1000""#).ok(), Some(1000));
        assert_eq!(read(r#""100.32""#).ok(), Some(10032));
        assert_eq!(read("10.5").ok(), Some(1050));
        assert_eq!(read(r#""0.01""#).ok(), Some(1));
        assert!(read(r#""1.005""#).is_err());
        assert!(read("-5").is_err());
        assert!(read(r#""abc""#).is_err());
        assert!(read("1e3").is_err());
    }

    #[test]
    fn cents_display_in_brazilian_notation() {
        assert_eq!(Cents::new(1234).to_string(), "R$ 12,34");
        assert_eq!(Cents::new(5).to_string(), "R$ 0,05");
        assert_eq!(Cents::new(123_456_789).to_string(), "R$ 1.234.567,89");
        assert_eq!(Cents::new(100_000).to_string(), "R$ 1.000,00");
    }

    #[test]
    fn amounts_are_at_least_one_cent() {
        assert_eq!(Amount::from_cents(0), Err(AmountError::Zero));
        assert_eq!(
            AmountError::Zero.to_string(),
            "an amount must be at least 1 cent"
        );
        assert_eq!(Amount::from_cents(1).map(Amount::get), Ok(1));
        assert_eq!(
            serde_json::to_string(&Amount::from_cents(1500).ok()).ok(),
            Some("1500".to_owned())
        );
        assert_eq!(
            serde_json::from_str::<Amount>(r#""1500""#).ok(),
            Amount::from_cents(1500).ok()
        );
        assert!(serde_json::from_str::<Amount>("0").is_err());
    }

    #[test]
    fn reais_as_text_are_written_as_strings_and_read_from_either() {
        let seven = Amount::from_cents(789).unwrap().reais_text();
        assert_eq!(serde_json::to_string(&seven).unwrap(), r#""7.89""#);
        assert_eq!(
            serde_json::to_string(&Amount::from_cents(1000).unwrap().reais_text()).unwrap(),
            r#""10.00""#
        );
        for written in [r#""7.89""#, "7.89", r#""7.890""#] {
            let read: ReaisText = serde_json::from_str(written).unwrap();
            assert_eq!(read.cents(), Cents::new(789), "{written}");
        }
        assert!(serde_json::from_str::<ReaisText>(r#""7.891""#).is_err());
        assert!(serde_json::from_str::<ReaisText>(r#""-1.00""#).is_err());
    }

    #[test]
    fn reais_parse_exactly() {
        assert_eq!("12.34".parse::<Reais>(), Ok(Reais::from_cents(1234)));
        assert_eq!("12.340".parse::<Reais>(), Ok(Reais::from_cents(1234)));
        assert_eq!("7".parse::<Reais>(), Ok(Reais::from_cents(700)));
        assert_eq!(
            "12.345".parse::<Reais>(),
            Err(ReaisParseError::TooManyDecimals)
        );
        assert_eq!(".5".parse::<Reais>(), Err(ReaisParseError::NotANumber));
        assert_eq!("5.".parse::<Reais>(), Err(ReaisParseError::NotANumber));
        assert_eq!("1e3".parse::<Reais>(), Err(ReaisParseError::NotANumber));
        assert_eq!(
            "184467440737095516.16".parse::<Reais>(),
            Err(ReaisParseError::TooLarge)
        );
    }
}
