//! Short, redacted samples of response bodies and decoder messages, safe to keep in errors.
//!
//! Error values travel far: into logs, dashboards, support tickets. A refund response can
//! carry a payer's CPF, e-mail, phone, address or card number, and a token response carries a
//! bearer token, so nothing from a body goes into an error without passing through here.
//!
//! Redaction is deliberately tolerant: a sample may be truncated, invalid JSON or an HTML
//! page, so JSON is scanned token by token rather than parsed, and anything that looks like a
//! document number, card number or e-mail address is masked wherever it appears.

mod provider;

pub(crate) use provider::provider_text;

/// Longest sample kept in an error, in characters.
pub(crate) const SAMPLE_CHARS: usize = 256;

/// How much of a body is examined. Larger than the sample so a value cut by the window is
/// still recognised as sensitive before the sample is shortened.
const WINDOW_BYTES: usize = 1024;

/// What replaces a sensitive value.
const MASK: &str = "***";

/// A redacted sample of at most [`SAMPLE_CHARS`] characters of a response body.
pub(crate) fn sample(body: &[u8]) -> String {
    let cut = body.len() > WINDOW_BYTES;
    let window = &body[..body.len().min(WINDOW_BYTES)];
    let text = String::from_utf8_lossy(window);
    let text = text.trim();
    let keyed = mask_sensitive_keys(text);
    let masked = mask_patterns(&keyed, cut);
    shorten(&masked, cut)
}

/// A decoder's message with any value it echoes masked.
///
/// serde quotes string values it rejects (`invalid type: string "joao@exemplo.com"`), so quoted
/// text is dropped outright; numbers and identifiers in backticks are kept but pass through the
/// same pattern masking as body samples.
pub(crate) fn reason(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quotes = false;
    let mut escaped = false;
    for ch in message.chars() {
        if in_quotes {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                in_quotes = false;
                out.push_str(MASK);
                out.push('"');
            }
            continue;
        }
        out.push(ch);
        if ch == '"' {
            in_quotes = true;
        }
    }
    if in_quotes {
        out.push_str(MASK);
    }
    let masked = mask_patterns(&out, false);
    shorten(&masked, false)
}

/// Cuts `text` to [`SAMPLE_CHARS`] characters, marking the cut with an ellipsis.
fn shorten(text: &str, already_cut: bool) -> String {
    match text.char_indices().nth(SAMPLE_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None if already_cut => format!("{text}…"),
        None => text.to_owned(),
    }
}

/// Whether a JSON key names personal data or a secret. Keys are compared without case,
/// underscores or hyphens, so `documentNumber`, `document_number` and `DOCUMENT-NUMBER` match.
fn is_sensitive_key(key: &str) -> bool {
    let normalized: String = key
        .chars()
        .filter(|ch| !matches!(ch, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    // Stems that name personal data or secrets wherever they appear in a key
    // (`payerEmail`, `buyer_document`, `refresh_token`, `X-Api-Key`).
    const CONTAINS: &[&str] = &[
        "cpf",
        "cnpj",
        "document",
        "taxid",
        "email",
        "phone",
        "telefone",
        "celular",
        "mobile",
        "address",
        "endereco",
        "street",
        "logradouro",
        "zipcode",
        "postalcode",
        "birth",
        "nascimento",
        "cardnumber",
        "cardholder",
        "cvv",
        "cvc",
        "securitycode",
        "password",
        "senha",
        "secret",
        "token",
        "authorization",
        "apikey",
        "credential",
    ];
    // Short keys that are too generic to match inside other words.
    const EXACT: &[&str] = &["name", "nome", "card", "pan", "cep", "key"];
    CONTAINS.iter().any(|stem| normalized.contains(stem))
        || EXACT.contains(&normalized.as_str())
        // Every `…name` key is someone's or something's name (`customerName`, `holder_name`);
        // masking a merchant's name too costs nothing in a debugging sample.
        || normalized.ends_with("name")
        || normalized.ends_with("nome")
}

/// Replaces the value of every sensitive key in JSON-looking text with `"***"`.
///
/// Works on truncated or invalid JSON: strings are read with their escapes, a string followed
/// by `:` is a key, and the value after a sensitive key is skipped (strings, nested objects
/// and arrays included) up to where it ends, or to the end of the text.
fn mask_sensitive_keys(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while pos < bytes.len() {
        if bytes[pos] != b'"' {
            let next = text[pos..]
                .find('"')
                .map_or(bytes.len(), |offset| pos + offset);
            out.push_str(&text[pos..next]);
            pos = next;
            continue;
        }
        let end = string_end(bytes, pos);
        let literal = &text[pos..end];
        out.push_str(literal);
        pos = end;
        let after_space = skip_whitespace(bytes, pos);
        if after_space < bytes.len() && bytes[after_space] == b':' {
            let key = literal.trim_start_matches('"').trim_end_matches('"');
            if is_sensitive_key(key) {
                let value_start = skip_whitespace(bytes, after_space + 1);
                out.push_str(&text[pos..value_start]);
                let value_end = value_end(bytes, value_start);
                if value_end > value_start {
                    out.push('"');
                    out.push_str(MASK);
                    out.push('"');
                }
                pos = value_end;
            }
        }
    }
    out
}

/// Index just past the JSON string starting at `start` (a `"`), or the end of the text.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut pos = start + 1;
    while pos < bytes.len() {
        match bytes[pos] {
            b'\\' => {
                // Skip the escaped character whole, even a multi-byte one in invalid JSON,
                // so every index handed back sits on a character boundary.
                pos += 2;
                while pos < bytes.len() && bytes[pos] & 0xC0 == 0x80 {
                    pos += 1;
                }
            }
            b'"' => return pos + 1,
            _ => pos += 1,
        }
    }
    bytes.len()
}

fn skip_whitespace(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
        pos += 1;
    }
    pos
}

/// Index just past the JSON value starting at `start`, tolerating truncation.
fn value_end(bytes: &[u8], start: usize) -> usize {
    let Some(&first) = bytes.get(start) else {
        return start;
    };
    match first {
        b'"' => string_end(bytes, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut pos = start;
            while pos < bytes.len() {
                match bytes[pos] {
                    b'"' => {
                        pos = string_end(bytes, pos);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return pos + 1;
                        }
                    }
                    _ => {}
                }
                pos += 1;
            }
            bytes.len()
        }
        _ => {
            let mut pos = start;
            while pos < bytes.len() && !matches!(bytes[pos], b',' | b'}' | b']') {
                pos += 1;
            }
            // Keep the whitespace before the delimiter out of the masked span.
            while pos > start && bytes[pos - 1].is_ascii_whitespace() {
                pos -= 1;
            }
            pos
        }
    }
}

/// Masks document numbers, card numbers and e-mail addresses wherever they appear.
///
/// `text_was_cut` says the text is the start of a longer body: a number or address that
/// touches its end may be the first part of a longer one, so it is masked whatever its length.
fn mask_patterns(text: &str, text_was_cut: bool) -> String {
    let masked_emails = mask_emails(text, text_was_cut);
    mask_digit_runs(&masked_emails, text_was_cut)
}

/// Masks runs of 11 or more digits, alone or in groups joined by single `.`, `-`, `/` or
/// space (a CPF `123.456.789-09`, a CNPJ, a card `4111 1111 1111 1111`, a phone with area
/// code). A plain run of 13 to 19 digits is a card number shape and keeps its first six and
/// last four digits, as PCI DSS allows; every other run is masked whole.
fn mask_digit_runs(text: &str, text_was_cut: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while pos < chars.len() {
        if !chars[pos].is_ascii_digit() {
            out.push(chars[pos]);
            pos += 1;
            continue;
        }
        // Extend over digits and single separators that sit between digits.
        let start = pos;
        let mut end = pos;
        let mut digits = 0;
        let mut separators = 0;
        while end < chars.len() {
            if chars[end].is_ascii_digit() {
                digits += 1;
                end += 1;
            } else if matches!(chars[end], '.' | '-' | '/' | ' ')
                && chars.get(end + 1).is_some_and(char::is_ascii_digit)
            {
                separators += 1;
                end += 1;
            } else {
                break;
            }
        }
        let touches_cut = text_was_cut && end == chars.len();
        if digits >= 11 || (touches_cut && digits >= 4) {
            let keep_ends = separators == 0 && (13..=19).contains(&digits) && !touches_cut;
            let mut seen = 0;
            for &ch in &chars[start..end] {
                if ch.is_ascii_digit() {
                    seen += 1;
                    let visible = keep_ends && (seen <= 6 || seen > digits - 4);
                    out.push(if visible { ch } else { '*' });
                } else {
                    out.push(ch);
                }
            }
        } else {
            out.extend(&chars[start..end]);
        }
        pos = end;
    }
    out
}

fn is_email_local(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-')
}

/// Replaces `local@domain.tld` with `***@***`.
fn mask_emails(text: &str, text_was_cut: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while pos < chars.len() {
        if chars[pos] != '@' {
            out.push(chars[pos]);
            pos += 1;
            continue;
        }
        let mut local_start = pos;
        while local_start > 0 && is_email_local(chars[local_start - 1]) {
            local_start -= 1;
        }
        let mut domain_end = pos + 1;
        while domain_end < chars.len() && is_email_domain(chars[domain_end]) {
            domain_end += 1;
        }
        let domain: String = chars[pos + 1..domain_end].iter().collect();
        let touches_cut = text_was_cut && domain_end == chars.len();
        let looks_like_address =
            local_start < pos && (domain.contains('.') || (touches_cut && !domain.is_empty()));
        if looks_like_address {
            // The local part was already copied out; take it back.
            let local_len = pos - local_start;
            for _ in 0..local_len {
                out.pop();
            }
            out.push_str("***@***");
            pos = domain_end;
        } else {
            out.push('@');
            pos += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_sensitive_json_values_but_keeps_the_rest() {
        let body = br#"{"code":"invalid_cpf","message":"CPF invalido","cpf":"12345678909","buyer":{"email":"ana@exemplo.com.br","name":"Ana"},"address":{"street":"Rua A","number":10}}"#;
        assert_eq!(
            sample(body),
            r#"{"code":"invalid_cpf","message":"CPF invalido","cpf":"***","buyer":{"email":"***","name":"***"},"address":"***"}"#
        );
    }

    #[test]
    fn masks_tokens_and_secrets() {
        let body = br#"{"access_token": "tok-123", "expires_in": 3600, "client_secret":"s3cr3t"}"#;
        assert_eq!(
            sample(body),
            r#"{"access_token": "***", "expires_in": 3600, "client_secret":"***"}"#
        );
    }

    #[test]
    fn masks_numbers_and_addresses_in_free_text() {
        assert_eq!(
            sample(b"cpf 123.456.789-09 card 4111111111111111 mail ana@exemplo.com ok 12345"),
            "cpf ***.***.***-** card 411111******1111 mail ***@*** ok 12345"
        );
        assert_eq!(sample(b"phone 11987654321"), "phone ***********");
        assert_eq!(sample(b"4111 1111 1111 1111"), "**** **** **** ****");
    }

    #[test]
    fn masks_a_value_cut_by_truncation() {
        let body = br#"{"message":"x","token":"abc"#;
        assert_eq!(sample(body), r#"{"message":"x","token":"***""#);
    }

    #[test]
    fn shortens_long_bodies() {
        let body = "a".repeat(2000);
        let sampled = sample(body.as_bytes());
        assert_eq!(sampled.chars().count(), SAMPLE_CHARS + 1);
        assert!(sampled.ends_with('…'));
    }

    #[test]
    fn digits_cut_at_the_window_edge_are_masked() {
        let mut body = "x".repeat(WINDOW_BYTES - 6);
        body.push_str("4111111111111111");
        let text = String::from_utf8_lossy(&body.as_bytes()[..WINDOW_BYTES]).into_owned();
        assert!(mask_patterns(&text, true).ends_with("x******"));
    }

    #[test]
    fn reasons_drop_quoted_values() {
        assert_eq!(
            reason(r#"invalid type: string "ana@exemplo.com", expected u64 at line 1 column 9"#),
            r#"invalid type: string "***", expected u64 at line 1 column 9"#
        );
        assert_eq!(
            reason("invalid type: integer `41111111111111111`, expected a string"),
            "invalid type: integer `411111*******1111`, expected a string"
        );
        assert_eq!(reason("missing field `status`"), "missing field `status`");
    }
}
