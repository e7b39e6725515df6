//! The generated `validator::Validate` impl.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Ident};

use super::parse::{FieldRules, Kind, Rule};

fn opt(e: Option<&Expr>) -> TokenStream {
    match e {
        Some(e) => quote!(::core::option::Option::Some(#e)),
        None => quote!(::core::option::Option::None),
    }
}

fn params(pairs: &[(&str, Option<&Expr>)]) -> TokenStream {
    let entries = pairs.iter().filter_map(|(k, v)| {
        let v = (*v)?;
        Some(quote!((#k, ::rws::__private::validation::param(&(#v)))))
    });
    quote!(&[#(#entries),*])
}

/// One rule's check on `value` (already `&T`, unwrapped from `Option` where the field is).
fn check(field: &Ident, rule: &Rule) -> TokenStream {
    let v = quote!(::rws::__private::validator);
    let name = field.to_string();
    let code = rule
        .code
        .as_ref()
        .map_or_else(|| rule.kind.code().to_owned(), syn::LitStr::value);
    let message = match &rule.message {
        Some(m) => quote!(::core::option::Option::Some(#m)),
        None => quote!(::core::option::Option::None),
    };
    let fail = |params: TokenStream| {
        quote! {
            errors.add(#name, ::rws::__private::validation::error(#code, #message, #params));
        }
    };
    match &rule.kind {
        Kind::Length { min, max, equal } => {
            let [lo, hi, eq] = [min, max, equal].map(|b| opt(b.as_ref()));
            let f = fail(params(&[
                ("min", min.as_ref()),
                ("max", max.as_ref()),
                ("equal", equal.as_ref()),
            ]));
            quote!(if !#v::ValidateLength::<u64>::validate_length(value, #lo, #hi, #eq) { #f })
        }
        Kind::Range {
            min,
            max,
            exclusive_min,
            exclusive_max,
        } => {
            let [lo, hi, xlo, xhi] =
                [min, max, exclusive_min, exclusive_max].map(|b| opt(b.as_ref()));
            let f = fail(params(&[
                ("min", min.as_ref()),
                ("max", max.as_ref()),
                ("exclusive_min", exclusive_min.as_ref()),
                ("exclusive_max", exclusive_max.as_ref()),
            ]));
            quote!(if !#v::ValidateRange::validate_range(value, #lo, #hi, #xlo, #xhi) { #f })
        }
        Kind::Email => {
            let f = fail(quote!(&[]));
            quote!(if !#v::ValidateEmail::validate_email(value) { #f })
        }
        Kind::Url => {
            let f = fail(quote!(&[]));
            quote!(if !#v::ValidateUrl::validate_url(value) { #f })
        }
        Kind::Contains(pattern) => {
            let f = fail(quote!(&[("needle", ::rws::__private::validation::param(&#pattern))]));
            quote!(if !#v::ValidateContains::validate_contains(value, #pattern) { #f })
        }
        Kind::DoesNotContain(pattern) => {
            let f = fail(quote!(&[("needle", ::rws::__private::validation::param(&#pattern))]));
            quote!(if !#v::ValidateDoesNotContain::validate_does_not_contain(value, #pattern) { #f })
        }
        Kind::MustMatch(other) => {
            let other_name = other.to_string();
            let f = fail(quote!(&[("other", ::rws::__private::validation::param(&#other_name))]));
            quote!(if !#v::validate_must_match(value, &self.#other) { #f })
        }
        Kind::Regex(path) => {
            let f = fail(quote!(&[]));
            quote_spanned!(path.span()=> if !#v::ValidateRegex::validate_regex(value, &#path) { #f })
        }
        Kind::Custom(function) => {
            quote_spanned! {function.span()=>
                if let ::core::result::Result::Err(mut e) = #function(value) {
                    if let ::core::option::Option::Some(m) = #message {
                        e.message = ::core::option::Option::Some(::std::borrow::Cow::Borrowed(m));
                    }
                    errors.add(#name, e);
                }
            }
        }
        Kind::Nested => quote! {
            ::rws::__private::validation::nested(&mut errors, #name, value);
        },
        Kind::Required => quote!(),
    }
}

fn field_checks(field: &FieldRules<'_>) -> TokenStream {
    let ident = field.ident;
    let name = ident.to_string();
    let mut inner = Vec::new();
    let mut required = None;
    for rule in &field.rules {
        if let Kind::Required = rule.kind {
            let code = rule
                .code
                .as_ref()
                .map_or_else(|| "required".to_owned(), syn::LitStr::value);
            let message = match &rule.message {
                Some(m) => quote!(::core::option::Option::Some(#m)),
                None => quote!(::core::option::Option::None),
            };
            required = Some(quote! {
                if self.#ident.is_none() {
                    errors.add(#name, ::rws::__private::validation::error(#code, #message, &[]));
                }
            });
        } else {
            inner.push(check(ident, rule));
        }
    }
    let body = if inner.is_empty() {
        quote!()
    } else if field.optional {
        quote!(if let ::core::option::Option::Some(value) = &self.#ident { #(#inner)* })
    } else {
        quote!({ let value = &self.#ident; #(#inner)* })
    };
    quote!(#required #body)
}

pub(crate) fn expand(ident: &Ident, fields: &[FieldRules<'_>]) -> TokenStream {
    let checks = fields.iter().map(field_checks);
    quote! {
        impl ::rws::__private::validator::Validate for #ident {
            fn validate(&self) -> ::core::result::Result<(), ::rws::__private::validator::ValidationErrors> {
                #[allow(unused_mut)]
                let mut errors = ::rws::__private::validator::ValidationErrors::new();
                #(#checks)*
                if errors.is_empty() {
                    ::core::result::Result::Ok(())
                } else {
                    ::core::result::Result::Err(errors)
                }
            }
        }
    }
}
