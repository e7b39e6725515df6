//! The struct and its fields' sources, with every misuse collected into one error.

use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Fields, GenericArgument, Ident, LitStr, PathArguments, Type,
};

pub(crate) struct Input<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) fields: Vec<Field<'a>>,
    /// No field attributes at all: the struct is the body.
    pub(crate) whole_body: bool,
    /// `#[upload(…)]` rules of file fields, for a multipart body.
    pub(crate) uploads: Vec<Upload>,
}

/// `#[upload(max_size = …, content_types("…", …), name = "…")]` on a file field.
pub(crate) struct Upload {
    /// The form field's name (the Rust field's unless `name = "…"`).
    pub(crate) name: String,
    pub(crate) max_size: Option<syn::Expr>,
    pub(crate) content_types: Vec<LitStr>,
    /// The attribute, for errors about it.
    pub(crate) span: proc_macro2::Span,
}

pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) source: Source,
    /// The `T` of an `Option<T>` field, which is optional.
    pub(crate) optional: Option<&'a Type>,
}

pub(crate) enum Source {
    /// A named value parsed with `FromStr`: the helper to call and the name to look up.
    Named {
        helper: &'static str,
        kind: &'static str,
        name: LitStr,
    },
    State,
    Body,
    /// Any head extractor.
    Extractor,
}

const NAMED: [(&str, &str, &str); 4] = [
    ("from_header", "header", "header"),
    ("from_query", "query", "query parameter"),
    ("from_path", "path", "path parameter"),
    ("from_cookie", "cookie", "cookie"),
];
const ATTRS: &str = "`from_header(\"…\")`, `from_query(\"…\")`, `from_path(\"…\")`, `from_cookie(\"…\")`, `from_state`, `from_body`";

fn push(errors: &mut Option<syn::Error>, e: syn::Error) {
    match errors {
        Some(all) => all.combine(e),
        None => *errors = Some(e),
    }
}

fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) => Some(inner),
        _ => None,
    }
}

fn upload_of(field: &syn::Field, ident: &Ident, errors: &mut Option<syn::Error>) -> Option<Upload> {
    let attr = field.attrs.iter().find(|a| a.path().is_ident("upload"))?;
    let mut upload = Upload {
        name: ident.to_string(),
        max_size: None,
        content_types: Vec::new(),
        span: attr.path().span(),
    };
    let parsed = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("max_size") {
            upload.max_size = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("name") {
            upload.name = meta.value()?.parse::<LitStr>()?.value();
        } else if meta.path.is_ident("content_types") {
            let list;
            syn::parenthesized!(list in meta.input);
            let types = list.parse_terminated(
                <LitStr as syn::parse::Parse>::parse,
                syn::Token![,],
            )?;
            upload.content_types.extend(types);
        } else {
            return Err(meta.error(
                "unknown `upload` rule; expected `max_size = …`, `content_types(\"…\", …)` or `name = \"…\"`",
            ));
        }
        Ok(())
    });
    if let Err(e) = parsed {
        push(errors, e);
        return None;
    }
    Some(upload)
}

/// `upload` rules on a struct that is not a whole-body form: each one an error.
fn refuse_uploads(uploads: &[Upload], errors: &mut Option<syn::Error>) {
    for upload in uploads {
        push(
            errors,
            syn::Error::new(
                upload.span,
                "`upload` rules are for multipart forms: a struct whose fields have no `from_*` attributes",
            ),
        );
    }
}

fn source_of(attrs: &[Attribute], errors: &mut Option<syn::Error>) -> Option<Source> {
    let mut found: Option<(Source, &Attribute)> = None;
    for attr in attrs {
        let Some(name) = attr.path().get_ident().map(ToString::to_string) else {
            continue;
        };
        let source = if let Some((_, helper, kind)) = NAMED.iter().find(|(a, ..)| *a == name) {
            match attr.parse_args::<LitStr>() {
                Ok(lit) if !lit.value().is_empty() => Source::Named {
                    helper,
                    kind,
                    name: lit,
                },
                Ok(lit) => {
                    push(
                        errors,
                        syn::Error::new(lit.span(), format!("`{name}` needs a non-empty name")),
                    );
                    continue;
                }
                Err(_) => {
                    push(
                        errors,
                        syn::Error::new(
                            attr.span(),
                            format!("`{name}` needs the name to read, like `#[{name}(\"name\")]`"),
                        ),
                    );
                    continue;
                }
            }
        } else if name == "from_state" || name == "from_body" {
            if !matches!(attr.meta, syn::Meta::Path(_)) {
                push(
                    errors,
                    syn::Error::new(attr.span(), format!("`{name}` takes no arguments")),
                );
                continue;
            }
            if name == "from_state" {
                Source::State
            } else {
                Source::Body
            }
        } else {
            continue;
        };
        if let Some((_, first)) = &found {
            push(
                errors,
                syn::Error::new(
                    attr.span(),
                    format!(
                        "a field has one source; this one also has `#[{}]`",
                        first
                            .path()
                            .get_ident()
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    ),
                ),
            );
            continue;
        }
        found = Some((source, attr));
    }
    found.map(|(s, _)| s)
}

impl<'a> Input<'a> {
    pub(crate) fn from_syn(input: &'a DeriveInput) -> syn::Result<Self> {
        let named = match &input.data {
            Data::Struct(s) => match &s.fields {
                Fields::Named(named) => named,
                other => {
                    return Err(syn::Error::new(
                        other.span(),
                        "`FromRequest` can be derived for structs with named fields only",
                    ));
                }
            },
            Data::Enum(e) => {
                return Err(syn::Error::new(
                    e.enum_token.span(),
                    "`FromRequest` can be derived for structs only, not enums",
                ));
            }
            Data::Union(u) => {
                return Err(syn::Error::new(
                    u.union_token.span(),
                    "`FromRequest` can be derived for structs only, not unions",
                ));
            }
        };
        let mut errors = None;
        if let Some(param) = input.generics.params.first() {
            push(
                &mut errors,
                syn::Error::new(
                    param.span(),
                    "`FromRequest` cannot be derived for a generic struct: extractors are concrete types",
                ),
            );
        }
        let mut fields = Vec::new();
        let mut uploads = Vec::new();
        let mut any_attribute = false;
        let mut body: Option<&Ident> = None;
        for field in &named.named {
            let Some(ident) = &field.ident else { continue };
            for attr in &field.attrs {
                if let Some(name) = attr.path().get_ident()
                    && name.to_string().starts_with("from_")
                    && !NAMED.iter().any(|(a, ..)| name == a)
                    && name != "from_state"
                    && name != "from_body"
                {
                    push(
                        &mut errors,
                        syn::Error::new(
                            name.span(),
                            format!("unknown attribute `{name}`; expected one of: {ATTRS}"),
                        ),
                    );
                }
            }
            if let Some(upload) = upload_of(field, ident, &mut errors) {
                uploads.push(upload);
            }
            let source = source_of(&field.attrs, &mut errors);
            any_attribute |= source.is_some();
            let source = source.unwrap_or(Source::Extractor);
            if matches!(source, Source::Body) {
                if let Some(first) = body {
                    push(
                        &mut errors,
                        syn::Error::new(
                            ident.span(),
                            format!("only one field can read the body; `{first}` already does"),
                        ),
                    );
                }
                body = Some(ident);
            }
            let optional = match source {
                Source::Named { .. } => option_inner(&field.ty),
                _ => None,
            };
            fields.push(Field {
                ident,
                ty: &field.ty,
                source,
                optional,
            });
        }
        if any_attribute {
            refuse_uploads(&uploads, &mut errors);
        }
        if let Some(e) = errors {
            return Err(e);
        }
        Ok(Input {
            ident: &input.ident,
            whole_body: !any_attribute,
            fields,
            uploads,
        })
    }
}
