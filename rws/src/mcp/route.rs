//! Routes as tools (`#[route(GET, "/users/:id", mcp)]`): the input schema merged from the
//! route's `Path`, `Query` and `Json` types, and a call that becomes the HTTP request the
//! route would get, so its extractors and middleware see what they always see.

use std::marker::PhantomData;
use std::sync::Arc;

use http::Method;
use http::uri::PathAndQuery;
use percent_encoding::utf8_percent_encode;
use schemars::JsonSchema;
use serde_json::{Map, Value};

use crate::app::registry::MacroEndpoint;
use crate::context::MatchedRoute;
use crate::extract::{Json, Path, Query};
use crate::router::{Pattern, Ranges, SEGMENT};
use rws_pattern::Piece;

/// Where an input property goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Path,
    Query,
    Body,
    /// The whole body, when it is not an object (`Json<Vec<T>>`): the property `body`.
    WholeBody,
}

/// The input schema of a route tool, as its arguments describe it.
#[doc(hidden)]
#[derive(Debug)]
pub struct RouteSchema {
    pattern: &'static str,
    properties: Map<String, Value>,
    required: Vec<Value>,
    defs: Map<String, Value>,
    pub(crate) places: Vec<(String, Place)>,
}

impl RouteSchema {
    /// For the route `pattern`.
    pub fn new(pattern: &'static str) -> Self {
        RouteSchema {
            pattern,
            properties: Map::new(),
            required: Vec::new(),
            defs: Map::new(),
            places: Vec::new(),
        }
    }

    fn add(&mut self, name: String, schema: Value, place: Place, required: bool) {
        if required {
            self.required.push(Value::String(name.clone()));
        }
        self.properties.insert(name.clone(), schema);
        self.places.push((name, place));
    }

    /// The schema of `T` with its `$defs` moved to the root's.
    fn of<T: JsonSchema>(&mut self) -> Map<String, Value> {
        let mut schema = crate::schema::object_of::<T>();
        if let Some(Value::Object(defs)) = schema.remove("$defs") {
            self.defs.extend(defs);
        }
        schema.remove("$schema");
        schema.remove("title");
        schema
    }

    /// `Path<T>`: one property per parameter of the pattern, typed by `T` (a struct by field
    /// name, a tuple by position, a single value for the one parameter).
    pub fn path<T: JsonSchema>(&mut self) {
        // A malformed pattern is the route's build error; it has no parameters to describe.
        let names: Vec<String> = Pattern::parse(self.pattern)
            .map(|p| p.names.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        let schema = self.of::<T>();
        let by_name = schema.get("properties").and_then(Value::as_object).cloned();
        let by_position = schema.get("prefixItems").and_then(Value::as_array).cloned();
        for (i, name) in names.into_iter().enumerate() {
            let typed = match (&by_name, &by_position) {
                (Some(props), _) => props.get(&name).cloned(),
                (None, Some(items)) => items.get(i).cloned(),
                (None, None) => Some(Value::Object(schema.clone())),
            };
            let typed = typed.unwrap_or_else(|| serde_json::json!({ "type": "string" }));
            self.add(name, typed, Place::Path, true);
        }
    }

    /// `Query<T>`: `T`'s fields.
    pub fn query<T: JsonSchema>(&mut self) {
        let schema = self.of::<T>();
        self.fields(&schema, Place::Query);
    }

    /// `Json<T>`: `T`'s fields, or the property `body` when `T` is not an object.
    pub fn body<T: JsonSchema>(&mut self) {
        let schema = self.of::<T>();
        if schema.contains_key("properties") {
            self.fields(&schema, Place::Body);
        } else {
            self.add(
                "body".to_owned(),
                Value::Object(schema),
                Place::WholeBody,
                true,
            );
        }
    }

    fn fields(&mut self, schema: &Map<String, Value>, place: Place) {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                let needed = required.contains(&name.as_str());
                self.add(name.clone(), prop.clone(), place, needed);
            }
        }
    }

    /// The merged `inputSchema`, and where each property goes.
    pub(crate) fn finish(self) -> (Map<String, Value>, Vec<(String, Place)>) {
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        schema.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            schema.insert("required".into(), Value::Array(self.required));
        }
        if !self.defs.is_empty() {
            schema.insert("$defs".into(), Value::Object(self.defs));
        }
        (schema, self.places)
    }
}

/// What `#[route(…, mcp)]` probes each argument type with.
#[doc(hidden)]
#[derive(Debug)]
pub struct Probe<T>(PhantomData<T>);

impl<T> Probe<T> {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Probe(PhantomData)
    }
}

/// `Path`, `Query` and `Json` of a type with a schema: their part of the input.
#[doc(hidden)]
pub trait Described {
    fn describe(&self, schema: &mut RouteSchema);
}

/// The same wrappers of a type without a schema: a compile error at the argument.
#[doc(hidden)]
pub trait NeedsSchema {
    fn describe(&self, schema: &mut RouteSchema)
    where
        Self: HasSchema;
}

/// Holds only for wrappers of types with a schema, which `Described` took already.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "an MCP route's `Path`, `Query` and `Json` types need a JSON Schema",
    label = "this argument's type has none",
    note = "add `#[derive(schemars::JsonSchema)]` to it: its schema becomes the tool's inputSchema"
)]
pub trait HasSchema {}

/// Any other argument (`State`, `Claims`, headers): nothing to describe.
#[doc(hidden)]
pub trait Fallback {
    fn describe(&self, _schema: &mut RouteSchema) {}
}

impl<T> Fallback for Probe<T> {}

macro_rules! described {
    ($($wrapper:ty => $part:ident),* $(,)?) => {$(
        impl<T: JsonSchema> Described for &Probe<$wrapper> {
            fn describe(&self, schema: &mut RouteSchema) {
                schema.$part::<T>();
            }
        }
        impl<T> NeedsSchema for &&Probe<$wrapper> {
            fn describe(&self, _schema: &mut RouteSchema)
            where
                Self: HasSchema,
            {
            }
        }
    )*};
}

described!(Path<T> => path, Query<T> => query, Json<T> => body);
#[cfg(feature = "validate")]
described!(
    crate::extract::Valid<Query<T>> => query,
    crate::extract::Valid<Json<T>> => body,
);

/// One `#[route(…, mcp)]`, registered through `inventory`.
#[doc(hidden)]
#[derive(Debug)]
pub struct McpRouteDef {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) method: &'static str,
    pub(crate) pattern: &'static str,
    pub(crate) schema: fn() -> RouteSchema,
    pub(crate) make: fn() -> MacroEndpoint,
}

impl McpRouteDef {
    /// Called by `#[route]`'s expansion only.
    pub const fn new(
        name: &'static str,
        description: &'static str,
        method: &'static str,
        pattern: &'static str,
        schema: fn() -> RouteSchema,
        make: fn() -> MacroEndpoint,
    ) -> Self {
        McpRouteDef {
            name,
            description,
            method,
            pattern,
            schema,
            make,
        }
    }
}

inventory::collect!(McpRouteDef);

/// Every `#[route(…, mcp)]` in the program.
pub(crate) fn macro_routes() -> impl Iterator<Item = &'static McpRouteDef> {
    inventory::iter::<McpRouteDef>.into_iter()
}

/// How a tool call's arguments become the route's request.
#[derive(Debug)]
pub(crate) struct RouteCall {
    pub(crate) method: Method,
    pattern: Arc<str>,
    pieces: Vec<Piece>,
    names: Arc<[Box<str>]>,
    places: Vec<(String, Place)>,
}

/// The request a call makes: its URI, its JSON body, the route its `Path` reads.
pub(crate) struct Made {
    pub(crate) uri: http::Uri,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) route: MatchedRoute,
}

impl RouteCall {
    /// The call of the route `pattern`, or why the pattern is not one.
    pub(crate) fn new(
        method: Method,
        pattern: &str,
        places: Vec<(String, Place)>,
    ) -> Result<Self, String> {
        let parsed = Pattern::parse(pattern).map_err(|e| e.to_string())?;
        Ok(RouteCall {
            method,
            pattern: pattern.into(),
            pieces: parsed.pieces,
            names: parsed.names.into(),
            places,
        })
    }

    /// The request for `arguments`, or what is missing or wrong in them.
    pub(crate) fn make(&self, arguments: &Map<String, Value>) -> Result<Made, String> {
        let mut path = String::new();
        let mut ranges = Ranges::default();
        for piece in &self.pieces {
            let (name, wildcard) = match piece {
                Piece::Static(literal) => {
                    path.push_str(literal);
                    continue;
                }
                Piece::Param(name) => (&**name, false),
                Piece::Wildcard(name) => (&**name, true),
            };
            let value = arguments
                .get(name)
                .filter(|v| !v.is_null())
                .ok_or_else(|| format!("the path parameter `{name}` is missing"))?;
            let text = scalar(value).ok_or_else(|| format!("`{name}` is not a single value"))?;
            let start = path.len();
            if wildcard {
                let parts: Vec<String> = text
                    .split('/')
                    .map(|p| utf8_percent_encode(p, SEGMENT).to_string())
                    .collect();
                path.push_str(&parts.join("/"));
            } else {
                path.extend(utf8_percent_encode(&text, SEGMENT));
            }
            ranges.push(start, path.len());
        }
        if path.is_empty() {
            path.push('/');
        }
        let mut query: Vec<(String, String)> = Vec::new();
        let mut body = Map::new();
        let mut whole = None;
        let mut has_body = false;
        for (name, place) in &self.places {
            let value = arguments.get(name).filter(|v| !v.is_null());
            match place {
                Place::Path => {}
                Place::Query => {
                    let Some(value) = value else { continue };
                    match value {
                        Value::Array(items) => {
                            for item in items {
                                let text = scalar(item)
                                    .ok_or_else(|| format!("`{name}` holds a nested value"))?;
                                query.push((name.clone(), text));
                            }
                        }
                        other => {
                            let text = scalar(other)
                                .ok_or_else(|| format!("`{name}` is not a single value"))?;
                            query.push((name.clone(), text));
                        }
                    }
                }
                Place::Body => {
                    has_body = true;
                    if let Some(value) = value {
                        body.insert(name.clone(), value.clone());
                    }
                }
                Place::WholeBody => {
                    has_body = true;
                    whole = value.cloned();
                }
            }
        }
        let mut target = path.clone();
        if !query.is_empty() {
            let encoded = serde_html_form::to_string(&query).map_err(|e| e.to_string())?;
            target.push('?');
            target.push_str(&encoded);
        }
        let uri = http::Uri::try_from(target.as_str()).map_err(|e| e.to_string())?;
        let body = has_body.then(|| {
            let value = whole.unwrap_or(Value::Object(body));
            serde_json::to_vec(&value).unwrap_or_default()
        });
        let route = MatchedRoute {
            pattern: Arc::clone(&self.pattern),
            names: Arc::clone(&self.names),
            path: PathAndQuery::try_from(path).map_err(|e| e.to_string())?,
            ranges,
        };
        Ok(Made { uri, body, route })
    }
}

/// A string as it is, a number or boolean as written; nothing else is one value.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn made(pattern: &str, args: Value) -> Made {
        let places = vec![
            ("id".to_owned(), Place::Path),
            ("rest".to_owned(), Place::Path),
            ("q".to_owned(), Place::Query),
        ];
        let call = RouteCall::new(Method::GET, pattern, places).expect("a pattern");
        let Value::Object(args) = args else {
            panic!("arguments are an object")
        };
        call.make(&args).expect("a request")
    }

    #[test]
    fn arguments_fill_the_pattern_as_the_router_reads_it() {
        let m = made(
            "/users/:id/",
            serde_json::json!({ "id": "a b", "q": ["x", 2] }),
        );
        assert_eq!(m.uri, "/users/a%20b/?q=x&q=2");
        assert_eq!(m.route.params().collect::<Vec<_>>(), [("id", "a%20b")]);
        let m = made(
            "/files/*rest",
            serde_json::json!({ "rest": "docs/a?b.txt" }),
        );
        assert_eq!(m.uri, "/files/docs/a%3Fb.txt");
        assert_eq!(
            m.route.params().collect::<Vec<_>>(),
            [("rest", "docs/a%3Fb.txt")]
        );
        assert!(m.body.is_none());
        assert!(RouteCall::new(Method::GET, "/users/:", Vec::new()).is_err());
    }
}
