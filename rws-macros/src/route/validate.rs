//! What `#[route]` can check before the type checker: the pattern, the function's shape, and
//! `Path<(A, B, …)>` arity against the pattern's parameters.

use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, Type};

use super::parse::RouteArgs;
use rws_pattern::Pattern;

/// The facts the expansion needs.
pub(crate) struct Checked<'a> {
    pub(crate) args: Vec<&'a Type>,
    /// The seed's shape: a whole `Request` first, head extractors after it.
    pub(crate) request_first: bool,
}

/// Every problem found, combined into one error.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(value),
        }
    }
}

pub(crate) fn check<'a>(route: &RouteArgs, func: &'a ItemFn) -> syn::Result<Checked<'a>> {
    let mut errors = Errors::default();
    let params = match Pattern::parse(&route.path.value()) {
        Ok(pattern) => Some(pattern.names.len()),
        Err(e) => {
            errors.push(syn::Error::new(route.path.span(), e.to_string()));
            None
        }
    };
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span(),
            "a route handler must be an `async fn`",
        ));
    }
    if let Some(param) = sig.generics.params.first() {
        errors.push(syn::Error::new(
            param.span(),
            "a route handler cannot be generic: the route needs one concrete function",
        ));
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.push(syn::Error::new(
            where_clause.span(),
            "a route handler cannot have a `where` clause",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new(
            variadic.span(),
            "a route handler cannot be variadic",
        ));
    }
    let mut args = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.push(syn::Error::new(
                receiver.span(),
                "a route handler cannot take `self`: write a free `async fn` and reach shared data through `State<T>`",
            )),
            FnArg::Typed(arg) => {
                if let Type::ImplTrait(_) = &*arg.ty {
                    errors.push(syn::Error::new(arg.ty.span(), "a route handler's arguments must be concrete extractor types, not `impl Trait`"));
                }
                if let (Some(params), Some(arity)) = (params, path_arity(&arg.ty))
                    && arity != params
                {
                    errors.push(syn::Error::new(
                        arg.ty.span(),
                        format!(
                            "`Path` has {arity} element{} but the route `{}` has {params} parameter{}",
                            if arity == 1 { "" } else { "s" },
                            route.path.value(),
                            if params == 1 { "" } else { "s" },
                        ),
                    ));
                }
                args.push(&*arg.ty);
            }
        }
    }
    if args.len() > 16 {
        errors.push(syn::Error::new(
            sig.inputs.span(),
            "a route handler takes at most 16 extractors",
        ));
    }
    let request_first = args.len() >= 2 && last_segment_is(args[0], "Request");
    errors.finish(Checked {
        args,
        request_first,
    })
}

/// `Path<T>` with one of these holds exactly one parameter.
const SCALARS: [&str; 16] = [
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    "String", "bool", "char", "f64",
];

/// The arity of `Path<(A, B, …)>`, or 1 for `Path<u64>`-like scalars; `None` when the macro cannot
/// know (a struct, a map, a type alias).
fn path_arity(ty: &Type) -> Option<usize> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Path" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let Some(GenericArgument::Type(inner)) = args.args.first() else {
        return None;
    };
    match inner {
        Type::Tuple(tuple) => Some(tuple.elems.len()),
        Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            let name = p.path.segments[0].ident.to_string();
            SCALARS.contains(&name.as_str()).then_some(1)
        }
        _ => None,
    }
}

fn last_segment_is(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}
