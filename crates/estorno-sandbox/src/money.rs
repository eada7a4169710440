//! Exact conversions between cents and the decimal reais PicPay E-commerce's refunds endpoint uses.
//!
//! That endpoint takes `amount` as a JSON number of reais (`12.34`). Reading it through `f64`
//! would turn `0.1 + 0.2` into `0.30000000000000004`; the sandbox instead parses the number's text
//! and refuses anything that is not a whole number of cents.

use serde_json::Number;

/// Why a decimal amount could not become cents.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReaisError {
    /// Not a JSON number at all (a string, `true`, an object...).
    NotANumber,
    /// A negative amount.
    Negative,
    /// More precision than a cent (`1.234`).
    FractionOfCent,
    /// Larger than any payment could be.
    TooLarge,
}

/// The largest amount accepted: R$ 10 trillion, far beyond any payment, well inside `i64`.
const MAX_CENTS: u128 = 1_000_000_000_000_000;

/// Parses the text of a JSON number written in reais into cents, exactly.
pub(crate) fn parse_reais(text: &str) -> Result<i64, ReaisError> {
    let text = text.trim();
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa_text, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => {
            let exponent: i64 = unsigned[at + 1..]
                .parse()
                .map_err(|_| ReaisError::NotANumber)?;
            (&unsigned[..at], exponent)
        }
        None => (unsigned, 0),
    };
    let (int_part, frac_part) = match mantissa_text.split_once('.') {
        Some((int_part, frac_part)) => (int_part, frac_part),
        None => (mantissa_text, ""),
    };
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if int_part.is_empty() || !all_digits(int_part) || !all_digits(frac_part) {
        return Err(ReaisError::NotANumber);
    }
    if mantissa_text.contains('.') && frac_part.is_empty() {
        return Err(ReaisError::NotANumber);
    }
    // value = digits × 10^(exponent − fraction length); cents = value × 100.
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    let frac_len = i64::try_from(frac_part.len()).map_err(|_| ReaisError::TooLarge)?;
    let mut scale = exponent
        .checked_sub(frac_len)
        .and_then(|s| s.checked_add(2))
        .ok_or(ReaisError::TooLarge)?;
    let mut digits = digits.to_owned();
    while scale < 0 {
        match digits.pop() {
            Some('0') => scale += 1,
            Some(_) => return Err(ReaisError::FractionOfCent),
            None => {
                scale = 0;
                break;
            }
        }
    }
    if digits.len() > 20 {
        return Err(ReaisError::TooLarge);
    }
    let mut cents: u128 = if digits.is_empty() {
        0
    } else {
        digits.parse().map_err(|_| ReaisError::TooLarge)?
    };
    for _ in 0..scale {
        if cents == 0 {
            break;
        }
        cents = cents
            .checked_mul(10)
            .filter(|c| *c <= MAX_CENTS)
            .ok_or(ReaisError::TooLarge)?;
    }
    if cents > MAX_CENTS {
        return Err(ReaisError::TooLarge);
    }
    let cents = i64::try_from(cents).map_err(|_| ReaisError::TooLarge)?;
    if negative && cents != 0 {
        return Err(ReaisError::Negative);
    }
    Ok(cents)
}

/// Writes cents as a JSON number of reais: whole amounts as integers (`100`, as in PicPay's
/// examples), others with their cents (`50.05`). Dividing exactly-representable integers and
/// printing the shortest round-trip form always yields the intended two-decimal text.
pub(crate) fn reais_number(cents: i64) -> Number {
    if cents % 100 == 0 {
        Number::from(cents / 100)
    } else {
        #[allow(clippy::cast_precision_loss)] // amounts stay far below 2^53 cents
        let reais = cents as f64 / 100.0;
        Number::from_f64(reais).unwrap_or_else(|| Number::from(0))
    }
}

/// Writes cents as a string of reais with two decimals, as Efí does: `"7.89"`, `"10.00"`.
pub(crate) fn reais_text(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_cents() {
        assert_eq!(parse_reais("12.34"), Ok(1234));
        assert_eq!(parse_reais("12.3"), Ok(1230));
        assert_eq!(parse_reais("12"), Ok(1200));
        assert_eq!(parse_reais("0.1"), Ok(10));
        assert_eq!(parse_reais("0.10000"), Ok(10));
        assert_eq!(parse_reais("1.5e1"), Ok(1500));
        assert_eq!(parse_reais("1234E-2"), Ok(1234));
        assert_eq!(parse_reais("0"), Ok(0));
        assert_eq!(parse_reais("-0.00"), Ok(0));
        assert_eq!(parse_reais("0.00e99999"), Ok(0));
    }

    #[test]
    fn rejects_what_is_not_cents() {
        assert_eq!(parse_reais("-1"), Err(ReaisError::Negative));
        assert_eq!(parse_reais("0.001"), Err(ReaisError::FractionOfCent));
        assert_eq!(parse_reais("1e-3"), Err(ReaisError::FractionOfCent));
        assert_eq!(parse_reais("\"1\""), Err(ReaisError::NotANumber));
        assert_eq!(parse_reais("true"), Err(ReaisError::NotANumber));
        assert_eq!(parse_reais("1."), Err(ReaisError::NotANumber));
        assert_eq!(parse_reais(".5"), Err(ReaisError::NotANumber));
        assert_eq!(parse_reais("1e400"), Err(ReaisError::TooLarge));
        assert_eq!(
            parse_reais("99999999999999999999999999"),
            Err(ReaisError::TooLarge)
        );
    }

    #[test]
    fn writes_reais() {
        assert_eq!(reais_number(10_000).to_string(), "100");
        assert_eq!(reais_number(5005).to_string(), "50.05");
        assert_eq!(reais_number(30).to_string(), "0.3");
        assert_eq!(reais_number(1).to_string(), "0.01");
        assert_eq!(reais_text(789), "7.89");
        assert_eq!(reais_text(1000), "10.00");
        assert_eq!(reais_text(5), "0.05");
    }
}
