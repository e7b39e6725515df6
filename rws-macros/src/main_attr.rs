//! `#[rws::main]`: a multi-thread tokio runtime plus `tracing` from `RUST_LOG`, around an
//! `async fn main`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

pub(crate) fn expand(args: &TokenStream, item: TokenStream) -> TokenStream {
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(item);
            return out;
        }
    };
    if !args.is_empty() {
        let e = syn::Error::new(args.span(), "`#[rws::main]` takes no arguments");
        return with_error(&e, &func);
    }
    if func.sig.asyncness.take().is_none() {
        let e = syn::Error::new(
            func.sig.fn_token.span(),
            "`#[rws::main]` goes on an `async fn`",
        );
        return with_error(&e, &func);
    }
    if func.sig.ident != "main" || !func.sig.inputs.is_empty() {
        let e = syn::Error::new(
            func.sig.ident.span(),
            "`#[rws::main]` goes on `async fn main()` without arguments",
        );
        return with_error(&e, &func);
    }
    let body = &func.block;
    let build = quote_spanned! {func.sig.fn_token.span()=>
        ::rws::__private::runtime()
    };
    func.block = syn::parse_quote!({
        ::rws::__private::init_logging();
        #build.block_on(async move #body)
    });
    quote!(#func)
}

/// The function as written plus the error: IDEs and later errors still see `main`.
fn with_error(e: &syn::Error, func: &ItemFn) -> TokenStream {
    let mut out = e.to_compile_error();
    out.extend(quote!(#func));
    out
}
