//! The one redactor every provider text passes before the unified API hands it out: the
//! reasons of refusals and the messages of failures, which the command line prints and stores.
//!
//! A provider that echoes the request back in an error ("invalid header Authorization: Basic
//! …", "cpf 123.456.789-09 não encontrado") would otherwise put the caller's credentials and
//! the payer's personal data into terminals, reports and journals. So, in order:
//!
//! 1. the client's own secrets are removed in every form they travel in: as given, as the
//!    base64 of a Basic pair, base64 alone, and percent-encoded;
//! 2. values under sensitive JSON keys are masked (as in body samples);
//! 3. e-mail addresses are masked;
//! 4. digit runs are read for what they are, precisely, so that ids stay readable: a CPF or
//!    CNPJ only when its check digits hold (or when it is written in their punctuation), a
//!    card number only when Luhn holds (kept as first six and last four), a phone only when it
//!    is written as one (`+55 …`, `(11) …`) or has a Brazilian mobile's shape;
//! 5. the text is cut to [`MAX_CHARS`].
//!
//! The request's own ids (the payment, its fields) and the provider's reference ids are
//! passed as `keep`: they are never masked, whatever they look like, because the operator
//! needs them to act on the row.

use base64::Engine as _;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use super::{mask_emails, mask_sensitive_keys};

/// Longest provider text kept, in characters.
pub(crate) const MAX_CHARS: usize = 300;

/// What replaces a secret.
const SECRET_MASK: &str = "[redacted]";

/// Shortest secret looked for: shorter values would match ordinary words.
const MIN_SECRET_CHARS: usize = 4;

/// Redacts a provider's text: `secrets` are the client's credentials as they travel (header
/// values, tokens, keys), `keep` the ids that must stay readable.
pub(crate) fn provider_text(text: &str, secrets: &[String], keep: &[&str]) -> String {
    let without_secrets = remove_secrets(text, secrets);
    let keyed = mask_sensitive_keys(&without_secrets);
    let emails = mask_emails(&keyed, false);
    let masked = mask_numbers(&emails, keep);
    match masked.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}…", &masked[..end]),
        None => masked,
    }
}

/// Every form a secret can take in an echoed request.
fn secret_forms(secret: &str) -> Vec<String> {
    let engine = base64::engine::general_purpose::STANDARD;
    let mut forms = vec![
        secret.to_owned(),
        engine.encode(secret),
        utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        // Form encoding writes a space as `+`.
        utf8_percent_encode(secret, NON_ALPHANUMERIC)
            .to_string()
            .replace("%20", "+"),
    ];
    // Base64 without its padding, as some echoes trim it.
    let unpadded = engine.encode(secret).trim_end_matches('=').to_owned();
    forms.push(unpadded);
    forms.retain(|form| form.chars().count() >= MIN_SECRET_CHARS);
    // Longest first, so a form that contains another is removed whole.
    forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
    forms.dedup();
    forms
}

fn remove_secrets(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    let mut forms: Vec<String> = secrets
        .iter()
        .filter(|secret| secret.chars().count() >= MIN_SECRET_CHARS)
        .flat_map(|secret| secret_forms(secret))
        .collect();
    forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
    for form in forms {
        if out.contains(&form) {
            out = out.replace(&form, SECRET_MASK);
        }
        // Case-insensitive for percent-encoding's hex digits (`%2f` and `%2F`).
        if form.contains('%') {
            let lower = form.to_lowercase();
            if out.contains(&lower) {
                out = out.replace(&lower, SECRET_MASK);
            }
        }
    }
    out
}

/// A CPF's two check digits hold.
fn cpf_valid(digits: &[u8]) -> bool {
    if digits.len() != 11 || digits.iter().all(|&digit| digit == digits[0]) {
        return false;
    }
    let check = |count: usize| {
        let sum: u32 = digits[..count]
            .iter()
            .enumerate()
            .map(|(index, &digit)| u32::from(digit) * (count as u32 + 1 - index as u32))
            .sum();
        let rest = (sum * 10) % 11;
        if rest == 10 { 0 } else { rest as u8 }
    };
    check(9) == digits[9] && check(10) == digits[10]
}

/// A CNPJ's two check digits hold.
fn cnpj_valid(digits: &[u8]) -> bool {
    if digits.len() != 14 || digits.iter().all(|&digit| digit == digits[0]) {
        return false;
    }
    let check = |count: usize| {
        let weights: &[u32] = if count == 12 {
            &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
        } else {
            &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
        };
        let sum: u32 = digits[..count]
            .iter()
            .zip(weights)
            .map(|(&digit, &weight)| u32::from(digit) * weight)
            .sum();
        let rest = sum % 11;
        if rest < 2 { 0 } else { (11 - rest) as u8 }
    };
    check(12) == digits[12] && check(13) == digits[13]
}

/// A card number's Luhn check holds.
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(index, &digit)| {
            let digit = u32::from(digit);
            if index % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Whether a run reads as a Brazilian phone number.
fn phone_shaped(digits: &[u8], run: &str, before: Option<char>) -> bool {
    let length = digits.len();
    if !(10..=13).contains(&length) {
        return false;
    }
    // Written as a phone: an international prefix, an area code in brackets, or the usual
    // `9xxxx-xxxx` grouping.
    if before == Some('+') || run.starts_with('(') {
        return true;
    }
    let national = if length >= 12 && digits.starts_with(&[5, 5]) {
        &digits[2..]
    } else {
        digits
    };
    let area_code = national.len() >= 2 && national[0] != 0 && national[1] != 0;
    let grouped = run.contains('-') || run.contains(' ');
    // A mobile is an area code, then 9, then eight digits.
    let mobile = national.len() == 11 && area_code && national[2] == 9;
    let landline = national.len() == 10 && area_code && (2..=5).contains(&national[2]);
    mobile || (grouped && landline)
}

/// What a digit run is masked as.
enum Masking {
    Keep,
    Whole,
    CardEnds,
}

fn classify(digits: &[u8], run: &str, before: Option<char>) -> Masking {
    let formatted_cpf = run.len() == 14 && run.as_bytes()[3] == b'.' && run.as_bytes()[11] == b'-';
    let formatted_cnpj = run.len() == 18 && run.as_bytes()[2] == b'.' && run.as_bytes()[10] == b'/';
    if formatted_cpf || formatted_cnpj || cpf_valid(digits) || cnpj_valid(digits) {
        return Masking::Whole;
    }
    if (13..=19).contains(&digits.len()) && luhn_valid(digits) {
        return Masking::CardEnds;
    }
    if phone_shaped(digits, run, before) {
        return Masking::Whole;
    }
    Masking::Keep
}

/// Masks the digit runs that are personal data, leaving ids (and everything in `keep`) alone.
fn mask_numbers(text: &str, keep: &[&str]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while pos < chars.len() {
        let bracketed = chars[pos] == '('
            && chars.get(pos + 1).is_some_and(char::is_ascii_digit)
            && chars.get(pos + 3) == Some(&')');
        if !chars[pos].is_ascii_digit() && !bracketed {
            out.push(chars[pos]);
            pos += 1;
            continue;
        }
        let start = pos;
        let mut end = pos;
        if bracketed {
            end += 4;
            while chars.get(end) == Some(&' ') {
                end += 1;
            }
        }
        // Digits, and single separators that sit between digits.
        while end < chars.len()
            && (chars[end].is_ascii_digit()
                || (matches!(chars[end], '.' | '-' | '/' | ' ')
                    && chars.get(end + 1).is_some_and(char::is_ascii_digit)))
        {
            end += 1;
        }
        let run: String = chars[start..end].iter().collect();
        let digits: Vec<u8> = run
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|digit| digit - b'0')
            .collect();
        let kept = keep
            .iter()
            .any(|id| !id.is_empty() && run.contains(id) && id.len() * 2 >= run.len());
        let before = start.checked_sub(1).map(|index| chars[index]);
        let masking = if kept || digits.len() < 10 {
            Masking::Keep
        } else {
            classify(&digits, &run, before)
        };
        match masking {
            Masking::Keep => out.push_str(&run),
            Masking::Whole => out.extend(
                run.chars()
                    .map(|ch| if ch.is_ascii_digit() { '*' } else { ch }),
            ),
            Masking::CardEnds => {
                let total = digits.len();
                let mut seen = 0;
                for ch in run.chars() {
                    if ch.is_ascii_digit() {
                        seen += 1;
                        out.push(if seen <= 6 || seen > total - 4 {
                            ch
                        } else {
                            '*'
                        });
                    } else {
                        out.push(ch);
                    }
                }
            }
        }
        pos = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_go_in_every_form() {
        let secrets = vec!["canary-secret".to_owned(), "user:canary-pass".to_owned()];
        let basic = base64::engine::general_purpose::STANDARD.encode("user:canary-pass");
        let text = format!(
            "echo: Authorization: Basic {basic}; body client_secret=canary%2Dsecret; plain canary-secret"
        );
        let redacted = provider_text(&text, &secrets, &[]);
        assert!(!redacted.contains("canary"), "{redacted}");
        assert!(!redacted.contains(&basic), "{redacted}");
        assert_eq!(
            redacted,
            "echo: Authorization: Basic [redacted]; body client_secret=[redacted]; plain [redacted]"
        );
    }

    #[test]
    fn documents_cards_phones_and_emails_are_masked_by_what_they_are() {
        let text = "cpf 52998224725, cnpj 11.222.333/0001-81, card 4111111111111111, \
                    tel +55 11 98765-4321, cel 11987654321, mail ana@exemplo.com";
        assert_eq!(
            provider_text(text, &[], &[]),
            "cpf ***********, cnpj **.***.***/****-**, card 411111******1111, \
             tel +** ** *****-****, cel ***********, mail ***@***"
        );
    }

    #[test]
    fn ids_stay_readable() {
        // A 19-digit Yapay transaction number fails Luhn, a Cielo Tid is no CPF: both stay.
        let text = "numeroTransacao 1234567890123456789 tid 10069930694849051761 nsu 123456";
        assert_eq!(provider_text(text, &[], &[]), text);
        // The request's own id stays even when it happens to pass Luhn.
        let luhn_id = "4111111111111111";
        assert_eq!(
            provider_text(&format!("transaction {luhn_id} not found"), &[], &[luhn_id]),
            format!("transaction {luhn_id} not found")
        );
    }

    #[test]
    fn check_digits_decide() {
        assert!(cpf_valid(&[5, 2, 9, 9, 8, 2, 2, 4, 7, 2, 5]));
        assert!(!cpf_valid(&[5, 2, 9, 9, 8, 2, 2, 4, 7, 2, 6]));
        assert!(!cpf_valid(&[1; 11]));
        assert!(cnpj_valid(&[1, 1, 2, 2, 2, 3, 3, 3, 0, 0, 0, 1, 8, 1]));
        assert!(luhn_valid(&[
            4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
        ]));
    }

    #[test]
    fn long_texts_are_cut() {
        let text = "x".repeat(1000);
        assert_eq!(
            provider_text(&text, &[], &[]).chars().count(),
            MAX_CHARS + 1
        );
    }
}
