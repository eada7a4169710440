//! How generated code reads a response's fields for the unified cancellation, whatever their
//! Rust type: status enums (plain or optional), every money type, identifiers and reasons.

use crate::DomainStatus;
use crate::money::{Amount, Cents, Reais};
use crate::outcome::Outcome;
use crate::wire::{DateParts, Timestamp};

/// Reads an outcome from a status field, plain or optional.
#[doc(hidden)]
pub trait StatusField {
    fn status_outcome(&self) -> Option<Outcome>;
    fn partial_status_outcome(&self) -> Option<Outcome>;
    fn status_text(&self) -> Option<String>;
}

impl<T: DomainStatus> StatusField for T {
    fn status_text(&self) -> Option<String> {
        Some(self.wire())
    }

    fn status_outcome(&self) -> Option<Outcome> {
        Some(self.outcome())
    }

    fn partial_status_outcome(&self) -> Option<Outcome> {
        Some(self.partial_outcome())
    }
}

impl<T: DomainStatus> StatusField for Option<T> {
    fn status_text(&self) -> Option<String> {
        self.as_ref().map(DomainStatus::wire)
    }

    fn status_outcome(&self) -> Option<Outcome> {
        self.as_ref().map(DomainStatus::outcome)
    }

    fn partial_status_outcome(&self) -> Option<Outcome> {
        self.as_ref().map(DomainStatus::partial_outcome)
    }
}

/// Reads an amount field, whatever its money type.
#[doc(hidden)]
pub trait AmountField {
    fn as_cents(&self) -> Option<Cents>;
}

impl AmountField for Cents {
    fn as_cents(&self) -> Option<Cents> {
        Some(*self)
    }
}

impl AmountField for Reais {
    fn as_cents(&self) -> Option<Cents> {
        Some(self.cents())
    }
}

impl AmountField for crate::money::ReaisText {
    fn as_cents(&self) -> Option<Cents> {
        Some(self.cents())
    }
}

impl AmountField for crate::money::CentsOrReais {
    fn as_cents(&self) -> Option<Cents> {
        Some(self.cents())
    }
}

impl AmountField for Amount {
    fn as_cents(&self) -> Option<Cents> {
        Some(self.cents())
    }
}

impl<T: AmountField> AmountField for Option<T> {
    fn as_cents(&self) -> Option<Cents> {
        self.as_ref().and_then(AmountField::as_cents)
    }
}

/// Reads an identifier field as text.
#[doc(hidden)]
pub trait ReferenceField {
    fn as_reference(&self) -> Option<String>;
}

macro_rules! reference_fields {
    ($($ty:ty),*) => {$(
        impl ReferenceField for $ty {
            fn as_reference(&self) -> Option<String> {
                Some(self.to_string())
            }
        }
    )*};
}

reference_fields!(String, str, u64, i64, u32, i32, crate::wire::Identifier);

impl<T: ReferenceField> ReferenceField for Option<T> {
    fn as_reference(&self) -> Option<String> {
        self.as_ref().and_then(ReferenceField::as_reference)
    }
}

/// Reads a rejection's reason field as text.
#[doc(hidden)]
pub trait ReasonField {
    fn as_reason(&self) -> String;
}

impl ReasonField for String {
    fn as_reason(&self) -> String {
        self.clone()
    }
}

impl ReasonField for str {
    fn as_reason(&self) -> String {
        self.to_owned()
    }
}

impl ReasonField for crate::wire::Identifier {
    fn as_reason(&self) -> String {
        self.as_str().to_owned()
    }
}

impl<T: ReasonField> ReasonField for Option<T> {
    fn as_reason(&self) -> String {
        self.as_ref()
            .map(ReasonField::as_reason)
            .unwrap_or_default()
    }
}

/// The elements of a list field a rejection's reason reads (`errors[].message`): a `Vec`, a
/// [`OneOrMany`](crate::wire::OneOrMany) (one object or an array of them), or either in an
/// `Option`.
#[doc(hidden)]
pub trait Elements {
    type Item;
    fn elements(&self) -> Vec<&Self::Item>;
}

impl<T> Elements for Vec<T> {
    type Item = T;
    fn elements(&self) -> Vec<&T> {
        self.iter().collect()
    }
}

impl<T> Elements for crate::wire::OneOrMany<T> {
    type Item = T;
    fn elements(&self) -> Vec<&T> {
        self.as_slice().iter().collect()
    }
}

impl<L: Elements> Elements for Option<L> {
    type Item = L::Item;
    fn elements(&self) -> Vec<&L::Item> {
        self.as_ref().map_or_else(Vec::new, Elements::elements)
    }
}

impl ReasonField for u64 {
    fn as_reason(&self) -> String {
        self.to_string()
    }
}

impl ReasonField for i64 {
    fn as_reason(&self) -> String {
        self.to_string()
    }
}

/// Reads a payment method code (`#[cancel(method = ...)]`), the key of cancellation windows.
#[doc(hidden)]
pub trait MethodField {
    fn as_method(&self) -> Option<u64>;
}

macro_rules! method_fields {
    ($($ty:ty),*) => {$(
        impl MethodField for $ty {
            fn as_method(&self) -> Option<u64> {
                u64::try_from(*self).ok()
            }
        }
    )*};
}

method_fields!(u8, u16, u32, u64, i32, i64);

impl<T: MethodField> MethodField for Option<T> {
    fn as_method(&self) -> Option<u64> {
        self.as_ref().and_then(MethodField::as_method)
    }
}

/// Reads the date a cancellation window counts from (`#[cancel(dated = ...)]`).
#[doc(hidden)]
pub trait DateField {
    fn as_date(&self) -> Option<DateParts>;
}

impl DateField for Timestamp {
    fn as_date(&self) -> Option<DateParts> {
        self.parts()
    }
}

impl<T: DateField> DateField for Option<T> {
    fn as_date(&self) -> Option<DateParts> {
        self.as_ref().and_then(DateField::as_date)
    }
}
