//! `#[derive(Validate)]`: the `validator` crate's attribute syntax, expanded into calls to the
//! `validator` crate's checks through `::rws::__private::validator`.

mod expand;
mod parse;

use proc_macro2::TokenStream;

pub(crate) fn expand_with(input: TokenStream) -> TokenStream {
    let result = syn::parse2::<syn::DeriveInput>(input).and_then(|input| {
        let parsed = parse::parse(&input)?;
        Ok(expand::expand(&input.ident, &parsed))
    });
    let out = result.unwrap_or_else(syn::Error::into_compile_error);
    if std::env::var_os("RWS_MACROS_DEBUG").is_some() {
        eprintln!("{out}");
    }
    out
}
