//! Tools: an rws handler, the JSON Schema of its input, and the call that runs it.

use std::borrow::Cow;
use std::sync::Arc;

use http::Method;
use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool};
use schemars::JsonSchema;
use serde_json::{Map, Value};

use super::call;
use super::named::Named;
use super::route::{McpRouteDef, RouteCall};
use crate::extract::{FromRequestParts, Json};
use crate::handler::Endpoint;

/// What an argument of a tool handler adds to the tool's `inputSchema`: a [`Json<T>`] gives
/// `T`'s schema (`T: schemars::JsonSchema`); extractors of the request's head (`State`,
/// `Claims`, headers, …) add nothing, and read the `/mcp` request the call came in.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of an MCP tool",
    note = "a tool takes extractors of the request's head (State, Claims, …) and its input as `Json<T>`, where `T` derives `serde::Deserialize` and `schemars::JsonSchema` (its schema is the tool's `inputSchema`)"
)]
pub trait ToolArg {
    /// The input schema this argument stands for, if any.
    fn input_schema() -> Option<Map<String, Value>> {
        None
    }
}

impl<E: FromRequestParts> ToolArg for E {}

impl<T: JsonSchema> ToolArg for Json<T> {
    fn input_schema() -> Option<Map<String, Value>> {
        Some(crate::schema::object_of::<T>())
    }
}

/// `Valid<Json<T>>`: `T`'s schema, with its `#[validate]` rules as schemars reads them
/// (`length` as `minLength`/`maxLength`, `range` as `minimum`/`maximum`, `email`, …).
#[cfg(feature = "validate")]
impl<T: JsonSchema> ToolArg for crate::extract::Valid<Json<T>> {
    fn input_schema() -> Option<Map<String, Value>> {
        Some(crate::schema::object_of::<T>())
    }
}

/// The arguments of a tool handler, as [`Handler`](crate::handler::Handler) names them: the
/// first one with an input schema gives the tool's.
pub trait ToolArgs {
    /// The tool's `inputSchema`: its input's, or an object with no properties.
    fn input_schema() -> Map<String, Value>;
}

fn no_input() -> Map<String, Value> {
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema
}

impl ToolArgs for ((),) {
    fn input_schema() -> Map<String, Value> {
        no_input()
    }
}

/// A handler with its own middleware (`handler.with(layer)`): its arguments' schema; the
/// middleware runs on every call, as it would over HTTP.
impl<T: ToolArgs> ToolArgs for crate::middleware::layered::WithMiddleware<T> {
    fn input_schema() -> Map<String, Value> {
        T::input_schema()
    }
}

// As many arguments as a handler takes (`handler/impls.rs`): every handler can be a tool.
macro_rules! impl_tool_args {
    ($($ty:ident),+) => {
        impl<M, $($ty: ToolArg,)+> ToolArgs for (M, $($ty,)+) {
            fn input_schema() -> Map<String, Value> {
                None$(.or_else($ty::input_schema))+.unwrap_or_else(no_input)
            }
        }
    };
}

impl_tool_args!(T1);
impl_tool_args!(T1, T2);
impl_tool_args!(T1, T2, T3);
impl_tool_args!(T1, T2, T3, T4);
impl_tool_args!(T1, T2, T3, T4, T5);
impl_tool_args!(T1, T2, T3, T4, T5, T6);
impl_tool_args!(T1, T2, T3, T4, T5, T6, T7);
impl_tool_args!(T1, T2, T3, T4, T5, T6, T7, T8);
impl_tool_args!(T1, T2, T3, T4, T5, T6, T7, T8, T9);
impl_tool_args!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10);
impl_tool_args!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11);
impl_tool_args!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12);
impl_tool_args!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13);
impl_tool_args!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14);
impl_tool_args!(
    T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15
);
impl_tool_args!(
    T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16
);

/// A tool as the server lists and calls it.
#[derive(Clone)]
pub(crate) struct ToolDef {
    pub(crate) tool: Tool,
    pub(crate) endpoint: Endpoint,
    /// For a route's tool: how the arguments become the route's request.
    pub(crate) route: Option<Arc<RouteCall>>,
}

impl ToolDef {
    pub(crate) fn new(named: Named, mut schema: Map<String, Value>, endpoint: Endpoint) -> Self {
        // The input type's doc comment describes the tool unless the name says otherwise; the
        // schema keeps no `$schema` (MCP's default dialect is 2020-12 already) and no title (the
        // Rust type's name means nothing to a model).
        let documented = match schema.remove("description") {
            Some(Value::String(text)) => Some(text),
            _ => None,
        };
        schema.remove("$schema");
        schema.remove("title");
        let description = named.description.or(documented).map(Cow::Owned);
        let mut tool = Tool::new_with_raw(named.name, description, Arc::new(schema));
        tool.title = named.title;
        ToolDef {
            tool,
            endpoint,
            route: None,
        }
    }

    /// The tool of a `#[route(…, mcp)]`, or why it cannot be one.
    pub(crate) fn for_route(def: &McpRouteDef) -> Result<Self, String> {
        let method = Method::from_bytes(def.method.as_bytes()).map_err(|e| e.to_string())?;
        let (schema, places) = (def.schema)().finish();
        let mut named = Named::new(def.name);
        if !def.description.is_empty() {
            named = named.description(def.description);
        }
        let mut tool = ToolDef::new(named, schema, (def.make)().endpoint);
        tool.route = Some(Arc::new(RouteCall::new(method, def.pattern, places)?));
        Ok(tool)
    }

    /// Runs the handler on the `/mcp` request's head with `arguments` as its JSON body; its
    /// answer becomes the result: JSON objects as structured content, other bodies as text, a
    /// status of 400 or more as a tool error (`isError`), so the model sees what went wrong.
    pub(crate) async fn call(
        &self,
        head: Option<&http::request::Parts>,
        arguments: Option<JsonObject>,
        progress: super::Progress,
    ) -> CallToolResult {
        let arguments = arguments.unwrap_or_default();
        let call = match &self.route {
            Some(route) => match route.make(&arguments) {
                Ok(made) => call::Call {
                    method: route.method.clone(),
                    uri: Some(made.uri),
                    body: made.body,
                    route: Some(made.route),
                    progress: None,
                },
                Err(e) => return CallToolResult::error(vec![ContentBlock::text(e)]),
            },
            None => call::Call::post(serde_json::to_vec(&arguments).unwrap_or_default()),
        };
        let answer = match call::run(&self.endpoint, head, call.with(progress)).await {
            Ok(answer) => answer,
            Err(e) => return CallToolResult::error(vec![ContentBlock::text(e)]),
        };
        let failed = answer.status.as_u16() >= 400;
        if let Some(pieces) = answer.pieces {
            return if failed {
                CallToolResult::error(pieces)
            } else {
                CallToolResult::success(pieces)
            };
        }
        if answer.is_json()
            && !failed
            && let Ok(value @ Value::Object(_)) = serde_json::from_slice::<Value>(&answer.body)
        {
            return CallToolResult::structured(value);
        }
        let text = answer.text();
        if failed {
            CallToolResult::error(vec![ContentBlock::text(text)])
        } else {
            CallToolResult::success(vec![ContentBlock::text(text)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ToolArgs;
    use crate::extract::{Json, State};
    use crate::handler::Handler;

    fn schema_of<T: ToolArgs, H: Handler<T>>(_: H) -> serde_json::Map<String, serde_json::Value> {
        T::input_schema()
    }

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    struct Input {
        #[allow(dead_code)]
        text: String,
    }

    #[test]
    fn a_handler_with_sixteen_arguments_is_a_tool_with_its_input_s_schema() {
        type S = State<()>;
        #[allow(clippy::too_many_arguments)]
        async fn many(
            _: S,
            _: S,
            _: S,
            _: S,
            _: S,
            _: S,
            _: S,
            _: S,
            _: S,
            _: S,
            _: S,
            _: S,
            _: S,
            _: S,
            _: S,
            _: Json<Input>,
        ) -> &'static str {
            "ok"
        }
        let schema = schema_of(many);
        assert_eq!(schema["type"], "object");
        assert!(schema["properties"].get("text").is_some(), "{schema:?}");
    }
}
