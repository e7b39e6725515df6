//! The generated `FromRequestParts` impl, or `FromRequest` when a field (or the whole struct)
//! reads the body. Every field source is one call to a helper in `rws::__private::derive`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::{Field, Input, Source};

/// The expression extracting a head field (everything but `#[from_body]`).
fn head_value(field: &Field<'_>) -> TokenStream {
    let ty = field.ty;
    let field_name = field.ident.to_string();
    match &field.source {
        // A header field: the type's own `FromHeader` when it has one (keeping its rejection),
        // else `FromStr` (see `rws::__private::derive::Header`).
        Source::Named { helper, name, .. } if *helper == "header" => {
            let (method, inner) = match field.optional {
                Some(inner) => ("optional", inner),
                None => ("required", ty),
            };
            // At the type, so that a type with neither trait points there.
            let method = syn::Ident::new(method, inner.span());
            quote_spanned! {inner.span()=>
                {
                    #[allow(unused_imports)]
                    use ::rws::__private::derive::{OwnHeader as _, ParsedHeader as _};
                    (&::rws::__private::derive::Header::<#inner>::new())
                        .#method(parts, #name, #field_name)?
                }
            }
        }
        Source::Named { helper, kind, name } => {
            let helper = syn::Ident::new(helper, name.span());
            // Spanned at the field's type, so a type that does not parse points there.
            match field.optional {
                Some(inner) => quote_spanned! {inner.span()=>
                    ::rws::__private::derive::#helper::<#inner>(parts, #name, #field_name)?
                },
                None => quote_spanned! {ty.span()=>
                    ::rws::__private::derive::required(
                        ::rws::__private::derive::#helper::<#ty>(parts, #name, #field_name)?,
                        #kind, #name, #field_name,
                    )?
                },
            }
        }
        Source::State => quote_spanned! {ty.span()=>
            ::rws::__private::derive::part::<::rws::State<#ty>>(parts).await?.0
        },
        Source::Extractor | Source::Body => quote_spanned! {ty.span()=>
            ::rws::__private::derive::part::<#ty>(parts).await?
        },
    }
}

fn requirement(field: &Field<'_>) -> TokenStream {
    let ty = field.ty;
    match &field.source {
        Source::State => quote!(requirements.state::<#ty>();),
        Source::Extractor => {
            quote!(<#ty as ::rws::__private::FromRequestParts>::requirements(requirements);)
        }
        _ => quote!(),
    }
}

/// Validates `value` when its type also derives `Validate` (see `rws::__private::derive`).
fn validate(value: &TokenStream) -> TokenStream {
    quote! {
        {
            #[allow(unused_imports)]
            use ::rws::__private::derive::{SkipValidate as _, ValidateIfValidate as _};
            (&::rws::__private::derive::MaybeValidate(&#value)).rws_validate()?;
        }
    }
}

pub(crate) fn expand(input: &Input<'_>) -> TokenStream {
    let ident = input.ident;
    let check = validate(&quote!(value));
    if input.whole_body {
        let read = if input.uploads.is_empty() {
            quote!(::rws::__private::derive::whole_body::<Self>(req).await?)
        } else {
            let rules = input.uploads.iter().map(|u| {
                let name = &u.name;
                let max = u.max_size.as_ref().map(|m| quote!(.max_size(#m)));
                let types = &u.content_types;
                let types = (!types.is_empty()).then(|| quote!(.content_types([#(#types),*])));
                quote!((#name, ::rws::extract::FileRules::new() #max #types))
            });
            quote! {
                ::rws::__private::derive::whole_body_with_files::<Self>(
                    req,
                    ::std::vec![#(#rules),*],
                ).await?
            }
        };
        return quote! {
            impl ::rws::__private::FromRequest for #ident {
                type Rejection = ::rws::Response;

                async fn from_request(req: ::rws::Request) -> ::core::result::Result<Self, ::rws::Response> {
                    let value = #read;
                    #check
                    ::core::result::Result::Ok(value)
                }
            }
        };
    }
    let requirements: Vec<TokenStream> = input.fields.iter().map(requirement).collect();
    let Some(body) = input
        .fields
        .iter()
        .find(|f| matches!(f.source, Source::Body))
    else {
        let inits = input.fields.iter().map(|f| {
            let (name, value) = (f.ident, head_value(f));
            quote!(#name: #value)
        });
        return quote! {
            impl ::rws::__private::FromRequestParts for #ident {
                type Rejection = ::rws::Response;

                async fn from_request_parts(
                    parts: &mut ::rws::http::request::Parts,
                ) -> ::core::result::Result<Self, ::rws::Response> {
                    let value = Self { #(#inits,)* };
                    #check
                    ::core::result::Result::Ok(value)
                }

                fn requirements(requirements: &mut ::rws::extract::Requirements) {
                    #(#requirements)*
                }
            }
        };
    };
    // Head fields first, from the head; then the request is put back together for the body.
    let heads = input
        .fields
        .iter()
        .filter(|f| !matches!(f.source, Source::Body))
        .map(|f| {
            let (name, value) = (f.ident, head_value(f));
            quote!(let #name = #value;)
        });
    let names = input.fields.iter().map(|f| f.ident);
    let (body_name, body_ty) = (body.ident, body.ty);
    let read_body = quote_spanned! {body_ty.span()=>
        ::rws::__private::derive::body_field::<_, #body_ty>(::rws::Request::from_parts(head, body)).await?
    };
    quote! {
        impl ::rws::__private::FromRequest for #ident {
            type Rejection = ::rws::Response;

            async fn from_request(req: ::rws::Request) -> ::core::result::Result<Self, ::rws::Response> {
                let (mut head, body) = req.into_parts();
                let parts = &mut head;
                #(#heads)*
                let #body_name = #read_body;
                let value = Self { #(#names,)* };
                #check
                ::core::result::Result::Ok(value)
            }

            fn requirements(requirements: &mut ::rws::extract::Requirements) {
                #(#requirements)*
            }
        }
    }
}
