//! `#[route]`: parse → validate → expand, every error a `syn::Error` at the offending token.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;

/// Runs the pipeline; on error, emits the function unchanged plus the `compile_error!`s, so that
/// IDEs and later errors still see the function.
pub(crate) fn expand_with(
    method: Option<&'static str>,
    args: TokenStream,
    item: TokenStream,
) -> TokenStream {
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(item);
            return out;
        }
    };
    let result = parse::RouteArgs::parse(method, args).and_then(|route| {
        let checked = validate::check(&route, &func)?;
        Ok(expand::expand(&route, &checked, &func))
    });
    let out = match result {
        Ok(out) => out,
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(quote::quote!(#func));
            out
        }
    };
    if std::env::var_os("RWS_MACROS_DEBUG").is_some() {
        eprintln!("{out}");
    }
    out
}
