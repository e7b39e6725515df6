//! Field rules from `#[validate(...)]`, every misuse collected into one error.

use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, Fields, GenericArgument, Ident, LitStr, PathArguments, Type};

pub(crate) const RULES: &str = "`length`, `range`, `email`, `url`, `contains`, `does_not_contain`, `must_match`, `regex`, `custom`, `nested`, `required`";

pub(crate) struct FieldRules<'a> {
    pub(crate) ident: &'a Ident,
    /// `Some` for an `Option<T>` field: rules other than `required` apply to the inner value.
    pub(crate) optional: bool,
    pub(crate) rules: Vec<Rule>,
}

pub(crate) struct Rule {
    pub(crate) kind: Kind,
    pub(crate) message: Option<LitStr>,
    pub(crate) code: Option<LitStr>,
}

pub(crate) enum Kind {
    Length {
        min: Option<Expr>,
        max: Option<Expr>,
        equal: Option<Expr>,
    },
    Range {
        min: Option<Expr>,
        max: Option<Expr>,
        exclusive_min: Option<Expr>,
        exclusive_max: Option<Expr>,
    },
    Email,
    Url,
    Contains(LitStr),
    DoesNotContain(LitStr),
    MustMatch(Ident),
    Regex(Expr),
    Custom(syn::Path),
    Nested,
    Required,
}

impl Kind {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Kind::Length { .. } => "length",
            Kind::Range { .. } => "range",
            Kind::Email => "email",
            Kind::Url => "url",
            Kind::Contains(_) => "contains",
            Kind::DoesNotContain(_) => "does_not_contain",
            Kind::MustMatch(_) => "must_match",
            Kind::Regex(_) => "regex",
            Kind::Custom(_) => "custom",
            Kind::Nested => "nested",
            Kind::Required => "required",
        }
    }
}

fn is_option(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    p.path.segments.last().is_some_and(|s| {
        s.ident == "Option"
            && matches!(&s.arguments, PathArguments::AngleBracketed(a) if matches!(a.args.first(), Some(GenericArgument::Type(_))))
    })
}

/// `message = "…"` and `code = "…"`, allowed in every rule.
fn common(
    meta: &ParseNestedMeta<'_>,
    message: &mut Option<LitStr>,
    code: &mut Option<LitStr>,
) -> syn::Result<bool> {
    if meta.path.is_ident("message") {
        *message = Some(meta.value()?.parse()?);
        Ok(true)
    } else if meta.path.is_ident("code") {
        *code = Some(meta.value()?.parse()?);
        Ok(true)
    } else {
        Ok(false)
    }
}

fn parse_rule(meta: &ParseNestedMeta<'_>) -> syn::Result<Rule> {
    let name = meta
        .path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    let (mut message, mut code) = (None, None);
    let mut args: Args = Vec::new();
    if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| {
            if common(&inner, &mut message, &mut code)? {
                return Ok(());
            }
            let key = inner
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let value: Expr = inner.value()?.parse()?;
            args.push((key, value, inner.path.span()));
            Ok(())
        })?;
    }

    let allowed: &[&str] = match name.as_str() {
        "length" => &["min", "max", "equal"],
        "range" => &["min", "max", "exclusive_min", "exclusive_max"],
        "contains" | "does_not_contain" => &["pattern"],
        "must_match" => &["other"],
        "regex" => &["path"],
        "custom" => &["function"],
        "email" | "url" | "nested" | "required" => &[],
        _ => {
            return Err(meta.error(format!(
                "unknown validator `{name}`; expected one of: {RULES}"
            )));
        }
    };
    if let Some((key, _, span)) = args.iter().find(|(k, ..)| !allowed.contains(&k.as_str())) {
        let expected = if allowed.is_empty() {
            "only `message` and `code`".to_owned()
        } else {
            allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(syn::Error::new(
            *span,
            format!("`{name}` has no argument `{key}`; it takes {expected}"),
        ));
    }
    let kind = build_kind(meta, &name, args)?;
    Ok(Rule {
        kind,
        message,
        code,
    })
}

type Args = Vec<(String, Expr, proc_macro2::Span)>;

fn take(args: &mut Args, key: &str) -> Option<Expr> {
    args.iter()
        .position(|(k, ..)| k == key)
        .map(|i| args.remove(i).1)
}

/// The rule named `name` from its (already vetted) arguments.
fn build_kind(meta: &ParseNestedMeta<'_>, name: &str, mut args: Args) -> syn::Result<Kind> {
    let string = |e: Expr, what: &str| -> syn::Result<LitStr> {
        match e {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Ok(s),
            other => Err(syn::Error::new(
                other.span(),
                format!("`{what}` must be a string literal"),
            )),
        }
    };
    let kind = match name {
        "length" | "range" => {
            let (min, max) = (take(&mut args, "min"), take(&mut args, "max"));
            if name == "length" {
                let equal = take(&mut args, "equal");
                if min.is_none() && max.is_none() && equal.is_none() {
                    return Err(meta.error("`length` needs `min`, `max` or `equal`"));
                }
                Kind::Length { min, max, equal }
            } else {
                let (exclusive_min, exclusive_max) = (
                    take(&mut args, "exclusive_min"),
                    take(&mut args, "exclusive_max"),
                );
                if min.is_none()
                    && max.is_none()
                    && exclusive_min.is_none()
                    && exclusive_max.is_none()
                {
                    return Err(meta
                        .error("`range` needs `min`, `max`, `exclusive_min` or `exclusive_max`"));
                }
                Kind::Range {
                    min,
                    max,
                    exclusive_min,
                    exclusive_max,
                }
            }
        }
        "contains" | "does_not_contain" => {
            let pattern = take(&mut args, "pattern")
                .ok_or_else(|| meta.error(format!("`{name}` needs `pattern = \"…\"`")))?;
            let pattern = string(pattern, "pattern")?;
            if name == "contains" {
                Kind::Contains(pattern)
            } else {
                Kind::DoesNotContain(pattern)
            }
        }
        "must_match" => {
            let other = take(&mut args, "other")
                .ok_or_else(|| meta.error("`must_match` needs `other = \"field\"`"))?;
            let other = match other {
                Expr::Path(p) if p.path.get_ident().is_some() => p.path.get_ident().cloned(),
                e => Some(string(e, "other")?.parse::<Ident>()?),
            };
            Kind::MustMatch(other.ok_or_else(|| meta.error("`other` must name a field"))?)
        }
        "regex" => Kind::Regex(
            take(&mut args, "path")
                .ok_or_else(|| meta.error("`regex` needs `path = STATIC_REGEX`"))?,
        ),
        "custom" => {
            let function = take(&mut args, "function")
                .ok_or_else(|| meta.error("`custom` needs `function = path::to::check`"))?;
            let path = match function {
                Expr::Path(p) => p.path,
                e => string(e, "function")?.parse::<syn::Path>()?,
            };
            Kind::Custom(path)
        }
        "email" => Kind::Email,
        "url" => Kind::Url,
        "nested" => Kind::Nested,
        _ => Kind::Required,
    };
    Ok(kind)
}

pub(crate) fn parse(input: &DeriveInput) -> syn::Result<Vec<FieldRules<'_>>> {
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => &named.named,
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "`Validate` can be derived for structs with named fields only",
                ));
            }
        },
        Data::Enum(e) => {
            return Err(syn::Error::new(
                e.enum_token.span(),
                "`Validate` can be derived for structs only, not enums",
            ));
        }
        Data::Union(u) => {
            return Err(syn::Error::new(
                u.union_token.span(),
                "`Validate` can be derived for structs only, not unions",
            ));
        }
    };
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    if let Some(param) = input.generics.params.first() {
        push(syn::Error::new(
            param.span(),
            "`Validate` cannot be derived for a generic struct",
        ));
    }
    let names: Vec<&Ident> = fields.iter().filter_map(|f| f.ident.as_ref()).collect();
    let mut out = Vec::new();
    for field in fields {
        let Some(ident) = &field.ident else { continue };
        let mut rules = Vec::new();
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("validate")) {
            if let syn::Meta::Path(_) = attr.meta {
                push(syn::Error::new(
                    attr.span(),
                    format!("`#[validate]` needs at least one rule: {RULES}"),
                ));
                continue;
            }
            let parsed = attr.parse_nested_meta(|meta| {
                rules.push(parse_rule(&meta)?);
                Ok(())
            });
            if let Err(e) = parsed {
                push(e);
            }
        }
        for rule in &rules {
            if let Kind::MustMatch(other) = &rule.kind
                && !names.contains(&other)
            {
                push(syn::Error::new(
                    other.span(),
                    format!("`must_match` names `{other}`, which is not a field of this struct"),
                ));
            }
            if let Kind::Required = rule.kind
                && !is_option(&field.ty)
            {
                push(syn::Error::new(
                    field.ty.span(),
                    "`required` applies to `Option<T>` fields",
                ));
            }
        }
        if !rules.is_empty() {
            out.push(FieldRules {
                ident,
                optional: is_option(&field.ty),
                rules,
            });
        }
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(out),
    }
}
