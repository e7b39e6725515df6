//! `#[derive(FromRequest)]`: parse the struct and its field attributes, check them, expand.

mod expand;
mod parse;

use proc_macro2::TokenStream;

pub(crate) fn expand_with(input: TokenStream) -> TokenStream {
    let result = syn::parse2::<syn::DeriveInput>(input).and_then(|input| {
        let parsed = parse::Input::from_syn(&input)?;
        Ok(expand::expand(&parsed))
    });
    let out = result.unwrap_or_else(syn::Error::into_compile_error);
    if std::env::var_os("RWS_MACROS_DEBUG").is_some() {
        eprintln!("{out}");
    }
    out
}
