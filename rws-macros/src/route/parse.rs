//! Parsing `#[route(GET | HEAD, "/path", name = "…", mcp)]` and the shortcuts' `("/path")`.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::{Ident, LitStr, Token};

pub(crate) const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

pub(crate) struct RouteArgs {
    pub(crate) methods: Vec<(String, Span)>,
    pub(crate) path: LitStr,
    pub(crate) name: Option<LitStr>,
    /// `mcp` (the tool is named after the function) or `mcp = "tool_name"`.
    pub(crate) mcp: Option<Mcp>,
}

/// The route is also an MCP tool.
pub(crate) struct Mcp {
    pub(crate) name: Option<LitStr>,
    pub(crate) span: Span,
}

impl RouteArgs {
    pub(crate) fn parse(shortcut: Option<&'static str>, args: TokenStream) -> syn::Result<Self> {
        let parser = move |input: ParseStream<'_>| Self::parse_inner(shortcut, input);
        parser.parse2(args)
    }

    fn parse_inner(shortcut: Option<&'static str>, input: ParseStream<'_>) -> syn::Result<Self> {
        let mut methods = Vec::new();
        match shortcut {
            Some(m) => methods.push((m.to_owned(), Span::call_site())),
            None => {
                if input.is_empty() || input.peek(LitStr) {
                    return Err(input.error(format!(
                        "expected an HTTP method first, like `#[route(GET, \"/path\")]`; one of: {}",
                        METHODS.join(", ")
                    )));
                }
                loop {
                    let ident: Ident = input.parse()?;
                    let name = ident.to_string();
                    if !METHODS.contains(&name.as_str()) {
                        return Err(syn::Error::new(
                            ident.span(),
                            format!(
                                "unknown HTTP method `{name}`; expected one of: {}",
                                METHODS.join(", ")
                            ),
                        ));
                    }
                    if methods.iter().any(|(m, _)| *m == name) {
                        return Err(syn::Error::new(
                            ident.span(),
                            format!("method `{name}` is listed twice"),
                        ));
                    }
                    methods.push((name, ident.span()));
                    if input.peek(Token![|]) {
                        input.parse::<Token![|]>()?;
                    } else {
                        break;
                    }
                }
                input.parse::<Token![,]>().map_err(|e| {
                    syn::Error::new(e.span(), "expected `,` and the path after the method, like `#[route(GET, \"/path\")]`")
                })?;
            }
        }
        if !input.peek(LitStr) {
            return Err(
                input.error("expected the route path as a string literal, like \"/users/:id\"")
            );
        }
        let path: LitStr = input.parse()?;
        let mut name = None;
        let mut mcp: Option<Mcp> = None;
        while input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            if key == "mcp" {
                if mcp.is_some() {
                    return Err(syn::Error::new(key.span(), "`mcp` is given twice"));
                }
                let tool = if input.peek(Token![=]) {
                    input.parse::<Token![=]>()?;
                    Some(input.parse::<LitStr>()?)
                } else {
                    None
                };
                mcp = Some(Mcp {
                    name: tool,
                    span: key.span(),
                });
                continue;
            }
            if key != "name" {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown route option `{key}`; expected `name = \"…\"` or `mcp`"),
                ));
            }
            input.parse::<Token![=]>()?;
            if name.is_some() {
                return Err(syn::Error::new(key.span(), "`name` is given twice"));
            }
            name = Some(input.parse::<LitStr>()?);
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the route path"));
        }
        Ok(RouteArgs {
            methods,
            path,
            name,
            mcp,
        })
    }
}

impl Parse for RouteArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Self::parse_inner(None, input)
    }
}
