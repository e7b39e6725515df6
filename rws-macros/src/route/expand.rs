//! The expansion: the function unchanged, then in a `const _` block the compile-time checks
//! (each spanned at the argument or return type it is about) and one `inventory` registration.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType};

use super::parse::RouteArgs;
use super::validate::Checked;

pub(crate) fn expand(route: &RouteArgs, checked: &Checked<'_>, func: &ItemFn) -> TokenStream {
    let ident = &func.sig.ident;
    let path = &route.path;
    let methods = route.methods.iter().map(|(m, _)| m.as_str());
    let name = match &route.name {
        Some(name) => quote!(::core::option::Option::Some(#name)),
        None => quote!(::core::option::Option::None),
    };

    let n = checked.args.len();
    let arg_checks = checked.args.iter().enumerate().map(|(i, ty)| {
        let seed_request = i == 0 && checked.request_first;
        if seed_request {
            quote_spanned!(ty.span()=> __rws_request::<#ty>();)
        } else if i + 1 == n && !checked.request_first {
            quote_spanned!(ty.span()=> __rws_last::<_, #ty>();)
        } else {
            quote_spanned!(ty.span()=> __rws_head::<#ty>();)
        }
    });
    let response_check = match &func.sig.output {
        ReturnType::Type(_, ty) => {
            // `impl Trait` cannot be named; the handler bound checks it instead.
            if let syn::Type::ImplTrait(_) = &**ty {
                quote!()
            } else {
                quote_spanned!(ty.span()=> __rws_response::<#ty>();)
            }
        }
        ReturnType::Default => quote!(),
    };

    let mcp = mcp_tool(route, checked, func);

    quote! {
        #func
        #mcp

        #[allow(non_snake_case, clippy::all, clippy::pedantic)]
        const _: () = {
            fn __rws_head<T: ::rws::__private::FromRequestParts>() {}
            fn __rws_last<M, T: ::rws::__private::FromRequest<M>>() {}
            fn __rws_request<T: ::rws::__private::IsRequest>() {}
            fn __rws_response<T: ::rws::IntoResponse>() {}
            #[allow(dead_code)]
            fn __rws_checks() {
                #(#arg_checks)*
                #response_check
            }
            fn __rws_make() -> ::rws::__private::MacroEndpoint {
                ::rws::__private::MacroEndpoint::new(#ident)
            }
            ::rws::__private::inventory::submit! {
                ::rws::__private::RouteDef::new(
                    &[#(#methods),*],
                    #path,
                    #name,
                    ::core::stringify!(#ident),
                    ::core::module_path!(),
                    ::core::file!(),
                    ::core::line!(),
                    ::core::column!(),
                    __rws_make,
                )
            }
        };
    }
}

/// With `mcp`: the route's MCP tool, its input schema merged from the arguments' (each probed
/// at its own span, so a `Path`, `Query` or `Json` type without a schema is an error there),
/// its description the function's doc comment.
fn mcp_tool(route: &RouteArgs, checked: &Checked<'_>, func: &ItemFn) -> TokenStream {
    let Some(mcp) = &route.mcp else {
        return quote!();
    };
    let ident = &func.sig.ident;
    let path = &route.path;
    let tool = match &mcp.name {
        Some(name) => quote!(#name),
        None => quote!(::core::stringify!(#ident)),
    };
    let Some((method, _)) = route.methods.first() else {
        return quote!();
    };
    let doc: Vec<String> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let doc = doc.join("\n").trim().to_owned();
    let skip = usize::from(checked.request_first);
    let probes = checked.args.iter().skip(skip).map(|ty| {
        quote_spanned!(ty.span()=> (&&::rws::__private::mcp::Probe::<#ty>::new()).describe(&mut schema);)
    });
    let span = mcp.span;
    // Through rws's own macro, which says which feature is missing instead of expanding.
    quote_spanned! {span=>
        ::rws::__rws_mcp_route! {
        #[allow(non_snake_case, clippy::all, clippy::pedantic)]
        const _: () = {
            fn __rws_mcp_schema() -> ::rws::__private::mcp::RouteSchema {
                #[allow(unused_imports)]
                use ::rws::__private::mcp::{Described as _, Fallback as _, NeedsSchema as _};
                let mut schema = ::rws::__private::mcp::RouteSchema::new(#path);
                #(#probes)*
                schema
            }
            fn __rws_mcp_make() -> ::rws::__private::MacroEndpoint {
                ::rws::__private::MacroEndpoint::new(#ident)
            }
            ::rws::__private::inventory::submit! {
                ::rws::__private::mcp::McpRouteDef::new(
                    #tool,
                    #doc,
                    #method,
                    #path,
                    __rws_mcp_schema,
                    __rws_mcp_make,
                )
            }
        };
        }
    }
}
