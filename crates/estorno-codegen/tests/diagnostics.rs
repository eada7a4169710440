//! The spec macros' compile-time diagnostics: each case under `tests/ui/` is one mistake (or,
//! in `two_mistakes_reported_together`, two) beside the exact errors the macros report for it,
//! rendered as rustc prints them, caret under the offending tokens.
//!
//! The cases run through the library API the macros are a shell over, in this process: no
//! compiler run and no build of the runtime's dependencies, so the whole suite takes
//! milliseconds. Every mistake a spec can make is reported by the macros themselves, with its
//! span; the one error rustc reports (an error type without `Rejection`) is checked at the end
//! of this file for its span and in the runtime's `Rejection` docs for rustc's refusal.
//!
//! After changing a message, regenerate with
//! `ESTORNO_UI=overwrite cargo test -p estorno-codegen --test diagnostics` and review the diff.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use proc_macro2::{LineColumn, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Attribute, Item, Meta};

/// One error the macros emitted: its message and the source range it underlines.
struct Diagnostic {
    message: String,
    start: LineColumn,
    end: LineColumn,
}

/// Runs every macro a case's items invoke, in source order (an item's attribute macro, then
/// its derives, as rustc expands them), and collects the errors each emits.
fn diagnose(source: &str) -> Vec<Diagnostic> {
    let file = syn::parse_file(source).expect("the case is valid Rust syntax");
    let mut found = Vec::new();
    for item in file.items {
        for expansion in expand(item) {
            collect(expansion, &mut found);
        }
    }
    found
}

/// The expansions of the estorno macros on one item (and on the items of an inline module).
fn expand(item: Item) -> Vec<TokenStream> {
    let mut expansions = Vec::new();
    match item {
        Item::Trait(mut item) => {
            if let Some(attr) = take(&mut item.attrs, "provider") {
                expansions.push(estorno_codegen::expand_provider(
                    arguments(attr),
                    item.to_token_stream(),
                ));
            }
        }
        Item::Enum(mut item) => {
            if let Some(attr) = take(&mut item.attrs, "status") {
                expansions.push(estorno_codegen::expand_status(
                    arguments(attr),
                    item.to_token_stream(),
                ));
            }
            expansions.extend(derives(&item.attrs, item.to_token_stream()));
        }
        Item::Struct(item) => expansions.extend(derives(&item.attrs, item.to_token_stream())),
        Item::Mod(item) => {
            for item in item.content.map(|(_, items)| items).unwrap_or_default() {
                expansions.extend(expand(item));
            }
        }
        _ => {}
    }
    expansions
}

/// Removes the attribute macro named `name` (`#[estorno::status]`) from an item's attributes,
/// as rustc does before handing the item to it.
fn take(attrs: &mut Vec<Attribute>, name: &str) -> Option<Attribute> {
    let position = attrs.iter().position(|attr| {
        !attr.path().is_ident("derive") && attr.path().segments.last().unwrap().ident == name
    })?;
    Some(attrs.remove(position))
}

fn arguments(attr: Attribute) -> TokenStream {
    match attr.meta {
        Meta::List(list) => list.tokens,
        _ => TokenStream::new(),
    }
}

/// The estorno derives an item lists, each run on the whole item.
fn derives(attrs: &[Attribute], item: TokenStream) -> Vec<TokenStream> {
    let mut expansions = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("derive")) {
        let paths = attr
            .parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .expect("a derive list");
        for path in paths {
            match path.segments.last().unwrap().ident.to_string().as_str() {
                "CancelResponse" => {
                    expansions.push(estorno_codegen::expand_cancel_response(item.clone()))
                }
                "Rejection" => expansions.push(estorno_codegen::expand_rejection(item.clone())),
                _ => {}
            }
        }
    }
    expansions
}

/// Finds every `compile_error!{"…"}` in an expansion. syn gives the macro name the error's
/// first span and the braces its last, which is the range rustc underlines.
fn collect(tokens: TokenStream, found: &mut Vec<Diagnostic>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (at, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Ident(ident) if ident == "compile_error" => {
                let (Some(TokenTree::Punct(bang)), Some(TokenTree::Group(group))) =
                    (tokens.get(at + 1), tokens.get(at + 2))
                else {
                    continue;
                };
                if bang.as_char() != '!' {
                    continue;
                }
                let message: syn::LitStr =
                    syn::parse2(group.stream()).expect("compile_error! holds one string");
                found.push(Diagnostic {
                    message: message.value(),
                    start: ident.span().start(),
                    end: group.span().end(),
                });
            }
            TokenTree::Group(group) => collect(group.stream(), found),
            _ => {}
        }
    }
}

/// Writes the diagnostics as rustc does: the message, the file and position, the line and a
/// caret under each column of the range.
fn render(path: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::new();
    for (index, diagnostic) in diagnostics.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let (start, end) = (diagnostic.start, diagnostic.end);
        let gutter = " ".repeat(end.line.to_string().len());
        writeln!(out, "error: {}", diagnostic.message).unwrap();
        writeln!(
            out,
            "{gutter}--> {path}:{}:{}",
            start.line,
            start.column + 1
        )
        .unwrap();
        writeln!(out, "{gutter} |").unwrap();
        for line in start.line..=end.line {
            let text = lines[line - 1];
            let from = if line == start.line { start.column } else { 0 };
            let to = if line == end.line {
                end.column
            } else {
                text.chars().count()
            };
            writeln!(out, "{:>width$} | {text}", line, width = gutter.len()).unwrap();
            writeln!(
                out,
                "{gutter} | {}{}",
                " ".repeat(from),
                "^".repeat(to.saturating_sub(from).max(1))
            )
            .unwrap();
        }
    }
    out
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut cases = Vec::new();
    for group in std::fs::read_dir(&root).unwrap() {
        for entry in std::fs::read_dir(group.unwrap().path()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "rs") {
                cases.push(path);
            }
        }
    }
    cases.sort();
    cases
}

#[test]
fn spec_mistakes_are_reported_on_the_offending_tokens() {
    let overwrite = std::env::var_os("ESTORNO_UI").is_some_and(|value| value == "overwrite");
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let cases = cases();
    assert!(cases.len() >= 40, "the UI cases are found: {}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let source = std::fs::read_to_string(case).unwrap();
        let name = case.strip_prefix(&tests).unwrap().to_str().unwrap();
        let diagnostics = diagnose(&source);
        if diagnostics.is_empty() {
            failures.push(format!("{name}: the macros report no error"));
            continue;
        }
        let actual = render(name, &source, &diagnostics);
        let expected_path = case.with_extension("stderr");
        if overwrite {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "{name}:\n--- expected\n{expected}\n--- reported\n{actual}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// After a mistake, the macros still emit the items the rest of the crate names (the client,
/// the status enum), so rustc adds no follow-on errors of its own: every expansion, errors
/// included, is valid Rust.
#[test]
fn a_spec_with_mistakes_still_expands_to_valid_rust() {
    for case in cases() {
        let source = std::fs::read_to_string(&case).unwrap();
        let file = syn::parse_file(&source).unwrap();
        for item in file.items {
            for expansion in expand(item) {
                if let Err(error) = syn::parse2::<syn::File>(expansion) {
                    panic!(
                        "{}: the expansion is not valid Rust: {error}",
                        case.display()
                    );
                }
            }
        }
    }
}

/// rustc, not the macro, refuses an error type without `Rejection` (the runtime's `Rejection`
/// docs show the refusal, E0277). What the macro decides is where rustc puts it: the bound is
/// spanned on the type in `#[err(400 => ApiError)]`, not inside the generated code.
#[test]
fn an_error_type_without_rejection_is_reported_on_its_err() {
    let source = r#"
#[estorno::provider(
    name = "Acme",
    production = "https://api.acme.test",
    auth = bearer,
    cancel(total = cancel_charge(payment), status = charge(payment)),
)]
pub trait Acme {
    #[post("/charges/{id}/cancel")]
    #[ok(200 => Charge)]
    #[err(400 => ApiError)]
    fn cancel_charge(id: &str) -> Charge;

    #[get("/charges/{id}")]
    #[ok(200 => Charge)]
    #[idempotent]
    fn charge(id: &str) -> Charge;
}
"#;
    let file = syn::parse_file(source).unwrap();
    let expansion = file.items.into_iter().flat_map(expand).collect::<Vec<_>>();
    assert_eq!(expansion.len(), 1);
    let mut spans = Vec::new();
    rejection_bounds(expansion[0].clone(), &mut spans);
    assert!(
        !spans.is_empty(),
        "the expansion reads the error's reason through `Rejection`"
    );
    // `#[err(400 => ApiError)]` is line 11; `ApiError` spans its columns 17 to 25 (0-based).
    let on_the_type = (
        LineColumn {
            line: 11,
            column: 17,
        },
        LineColumn {
            line: 11,
            column: 25,
        },
    );
    for span in spans {
        assert_eq!((span.start(), span.end()), on_the_type);
    }
}

/// The spans of `Rejection` wherever the expansion reads `ApiError`'s reason
/// (`<ApiError as ::estorno::Rejection>::reason`).
fn rejection_bounds(tokens: TokenStream, spans: &mut Vec<Span>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (at, token) in tokens.iter().enumerate() {
        if let TokenTree::Group(group) = token {
            rejection_bounds(group.stream(), spans);
        }
        let words: Vec<String> = tokens[at..tokens.len().min(at + 8)]
            .iter()
            .map(ToString::to_string)
            .collect();
        if words == ["ApiError", "as", ":", ":", "estorno", ":", ":", "Rejection"] {
            spans.push(tokens[at + 7].span());
        }
    }
}
