//! Expands the real provider specs through the library API and checks the output is valid Rust.

use std::path::Path;

fn expand(source: &str) -> String {
    let file = syn::parse_file(source).expect("spec parses");
    let mut items = Vec::new();
    for item in file.items {
        let mut tokens = proc_macro2::TokenStream::new();
        match item {
            syn::Item::Trait(mut item)
                if item
                    .attrs
                    .iter()
                    .any(|a| a.path().segments.last().unwrap().ident == "provider") =>
            {
                let position = item
                    .attrs
                    .iter()
                    .position(|a| a.path().segments.last().unwrap().ident == "provider")
                    .unwrap();
                let attr = item.attrs.remove(position);
                let args = match attr.meta {
                    syn::Meta::List(list) => list.tokens,
                    _ => Default::default(),
                };
                tokens =
                    estorno_codegen::expand_provider(args, quote::ToTokens::to_token_stream(&item));
            }
            syn::Item::Enum(mut item)
                if item
                    .attrs
                    .iter()
                    .any(|a| a.path().segments.last().unwrap().ident == "status") =>
            {
                let position = item
                    .attrs
                    .iter()
                    .position(|a| a.path().segments.last().unwrap().ident == "status")
                    .unwrap();
                item.attrs.remove(position);
                tokens = estorno_codegen::expand_status(
                    Default::default(),
                    quote::ToTokens::to_token_stream(&item),
                );
            }
            _ => {}
        }
        if !tokens.is_empty() {
            items.extend(
                syn::parse2::<syn::File>(tokens)
                    .expect("expansion is valid Rust")
                    .items,
            );
        }
    }
    prettyplease::unparse(&syn::File {
        shebang: None,
        frontmatter: None,
        attrs: Vec::new(),
        items,
    })
}

#[test]
fn picpay_checkout_expands_to_valid_rust() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../providers/picpay-checkout/src/lib.rs");
    let source = std::fs::read_to_string(path).unwrap();
    let expanded = expand(&source);
    assert!(expanded.contains("pub async fn refund("));
    if std::env::var_os("PRINT_EXPANSION").is_some() {
        println!("{expanded}");
    }
}
