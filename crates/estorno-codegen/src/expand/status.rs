//! Expands a status enum: the enum with its `Unknown` fallback, the outcome map, the serde
//! impls, and the static description the catalogue reads.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Ident, ItemEnum};

use super::{doc_attrs, first_paragraph};
use crate::ast::{StatusEnum, WireKind};

pub(crate) fn status_enum(status: &StatusEnum) -> TokenStream {
    let StatusEnum {
        ident,
        vis,
        docs,
        attrs,
        wire,
        variants,
    } = status;
    let variant_idents: Vec<&Ident> = variants.iter().map(|variant| &variant.ident).collect();
    let enum_docs = doc_attrs(docs);
    let variant_docs = variants.iter().map(|variant| {
        let docs = doc_attrs(&variant.docs);
        quote!(#(#[doc = #docs])*)
    });
    let outcomes = variants.iter().map(|variant| {
        let outcome = &variant.outcome;
        quote_spanned!(outcome.span()=> ::estorno::Outcome::#outcome)
    });
    let outcomes: Vec<TokenStream> = outcomes.collect();
    let partial_outcomes: Vec<TokenStream> = variants
        .iter()
        .map(|variant| {
            let outcome = variant.partial.as_ref().unwrap_or(&variant.outcome);
            quote_spanned!(outcome.span()=> ::estorno::Outcome::#outcome)
        })
        .collect();
    let name = ident.to_string();
    let doc = first_paragraph(docs);
    let entries = variants.iter().zip(&outcomes).map(|(variant, outcome)| {
        let wire = &variant.wire;
        let name = variant.ident.to_string();
        let doc = first_paragraph(&variant.docs);
        let partial = match &variant.partial {
            Some(partial) => quote!(::core::option::Option::Some(::estorno::Outcome::#partial)),
            None => quote!(::core::option::Option::None),
        };
        quote! {
            ::estorno::spec::StatusEntry {
                wire: #wire,
                variant: #name,
                outcome: #outcome,
                partial: #partial,
                doc: #doc,
            }
        }
    });

    let serde = quote!(::estorno::__private::serde);
    let (unknown, wire_impls) = match wire {
        WireKind::Text => {
            let wires = variants.iter().map(|variant| variant.wire.as_str());
            let wires: Vec<&str> = wires.collect();
            (
                quote!(::std::string::String),
                quote! {
                    /// The value as the provider writes it.
                    pub fn as_wire(&self) -> &str {
                        match self {
                            #(Self::#variant_idents => #wires,)*
                            Self::Unknown(value) => value,
                        }
                    }

                    /// Reads a value as the provider writes it; one the spec does not know
                    /// becomes `Unknown`.
                    pub fn from_wire(value: &str) -> Self {
                        match value {
                            #(#wires => Self::#variant_idents,)*
                            other => Self::Unknown(::std::string::ToString::to_string(other)),
                        }
                    }
                },
            )
        }
        WireKind::Code => {
            let codes: Vec<Literal> = variants
                .iter()
                .map(|variant| {
                    let code: i64 = variant.wire.parse().unwrap_or_default();
                    Literal::i64_unsuffixed(code)
                })
                .collect();
            (
                quote!(i64),
                quote! {
                    /// The numeric code as the provider sends it.
                    pub const fn code(&self) -> i64 {
                        match self {
                            #(Self::#variant_idents => #codes,)*
                            Self::Unknown(code) => *code,
                        }
                    }

                    /// Reads a code; one the spec does not know becomes `Unknown`.
                    pub const fn from_code(code: i64) -> Self {
                        match code {
                            #(#codes => Self::#variant_idents,)*
                            other => Self::Unknown(other),
                        }
                    }
                },
            )
        }
    };
    let (display, serialize, deserialize) = match wire {
        WireKind::Text => (
            quote!(formatter.write_str(self.as_wire())),
            quote!(serializer.serialize_str(self.as_wire())),
            quote!(::estorno::__private::deserialize_text_status(
                deserializer,
                Self::from_wire
            )),
        ),
        WireKind::Code => (
            quote!(::core::fmt::Display::fmt(&self.code(), formatter)),
            quote!(serializer.serialize_i64(self.code())),
            quote!(::estorno::__private::deserialize_code_status(
                deserializer,
                Self::from_code
            )),
        ),
    };

    quote! {
        #(#[doc = #enum_docs])*
        #(#attrs)*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #vis enum #ident {
            #(#variant_docs #variant_idents,)*
            /// A value this spec does not know yet. Its outcome is `Ambiguous`: never taken
            /// for success or for pending.
            Unknown(#unknown),
        }

        impl #ident {
            #wire_impls

            /// What this status means for a cancellation.
            pub const fn outcome(&self) -> ::estorno::Outcome {
                match self {
                    #(Self::#variant_idents => #outcomes,)*
                    Self::Unknown(_) => ::estorno::Outcome::Ambiguous,
                }
            }

            /// What this status means in the answer to a partial cancellation.
            pub const fn partial_outcome(&self) -> ::estorno::Outcome {
                match self {
                    #(Self::#variant_idents => #partial_outcomes,)*
                    Self::Unknown(_) => ::estorno::Outcome::Ambiguous,
                }
            }
        }

        #[automatically_derived]
        impl ::estorno::DomainStatus for #ident {
            const MAP: &'static ::estorno::spec::StatusMapSpec = &::estorno::spec::StatusMapSpec {
                name: #name,
                doc: #doc,
                entries: &[#(#entries),*],
            };

            fn outcome(&self) -> ::estorno::Outcome {
                #ident::outcome(self)
            }

            fn partial_outcome(&self) -> ::estorno::Outcome {
                #ident::partial_outcome(self)
            }

            fn wire(&self) -> ::std::string::String {
                ::std::string::ToString::to_string(self)
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, formatter: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #display
            }
        }

        #[automatically_derived]
        impl #serde::Serialize for #ident {
            fn serialize<__S>(&self, serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error>
            where
                __S: #serde::Serializer,
            {
                #serialize
            }
        }

        #[automatically_derived]
        impl<'de> #serde::Deserialize<'de> for #ident {
            fn deserialize<__D>(deserializer: __D) -> ::core::result::Result<Self, __D::Error>
            where
                __D: #serde::Deserializer<'de>,
            {
                #deserialize
            }
        }
    }
}

/// Beside a compile error: the enum as written plus `Unknown`, so code using it still resolves.
pub(crate) fn status_stub(item: &ItemEnum) -> TokenStream {
    let vis = &item.vis;
    let ident = &item.ident;
    let variants = item
        .variants
        .iter()
        .filter(|variant| variant.ident != "Unknown")
        .map(|variant| &variant.ident);
    quote! {
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #vis enum #ident {
            #(#variants,)*
            Unknown(::std::string::String),
        }
    }
}
