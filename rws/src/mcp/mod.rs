//! MCP: an app's tools over the [Model Context Protocol](https://modelcontextprotocol.io),
//! served at `/mcp` of the same app and port, so AI agents and LLM tool-callers reach its API.
//!
//! A tool is an ordinary handler: head extractors (`State`, `Claims`, headers) read the `/mcp`
//! request the call came in (so the app's auth layer guards the tools), and its input is a
//! [`Json<T>`](crate::extract::Json) whose type's JSON Schema (schemars) becomes the tool's
//! `inputSchema`, its doc comment the tool's description. A JSON object answered becomes the
//! result's structured content, any other body its text; an answer of status 400 or more is a
//! tool error (`isError`), never a protocol failure.
//!
//! The transport is the official Rust SDK's (rmcp) Streamable HTTP, speaking both revisions in
//! use (2026-07-28, stateless; 2025-11-25, with `Mcp-Session-Id`), chosen from the client's
//! request. `Host` must be one of the allowed hosts (loopback unless
//! [`App::mcp_allowed_hosts`] says more) and an `Origin`, when sent, must name one of them:
//! 403 otherwise, the defence against DNS rebinding.
//!
//! ```
//! use rws::prelude::*;
//! use schemars::JsonSchema;
//! use serde::Deserialize;
//!
//! /// Lists the users whose name starts with a prefix.
//! #[derive(Deserialize, JsonSchema)]
//! struct ListUsers {
//!     /// What the names start with.
//!     prefix: String,
//! }
//!
//! async fn list_users(Json(input): Json<ListUsers>) -> Json<serde_json::Value> {
//!     Json(serde_json::json!({ "users": [format!("{}ada", input.prefix)] }))
//! }
//!
//! let app = App::new().mcp_tool("list_users", list_users);
//! # let _ = app;
//! ```

mod call;
mod content;
#[cfg(feature = "fs")]
mod files;
mod named;
mod progress;
mod prompt;
pub(crate) mod registry;
mod resource;
#[doc(hidden)]
pub mod route;
mod server;
mod template;
mod tool;
mod transport;

pub use content::{Content, Contents};
#[cfg(feature = "fs")]
#[cfg_attr(docsrs, doc(cfg(feature = "fs")))]
pub use files::MAX_LISTED_FILES;
pub use named::Named;
pub use progress::Progress;
pub use registry::{DEFAULT_MAX_SESSIONS, DEFAULT_PATH, DEFAULT_SESSION_IDLE};
pub use tool::{ToolArg, ToolArgs};

use crate::App;
use crate::handler::Handler;
use registry::Registry;
use tool::ToolDef;

impl App {
    fn mcp_registry(&mut self) -> &mut Registry {
        self.mcp.get_or_insert_with(Box::default)
    }

    /// Serves `handler` as the MCP tool `name` (see [the module](crate::mcp)); the first tool
    /// mounts the MCP endpoint at `/mcp`. Two tools of one name are reported by
    /// [`App::build`].
    #[track_caller]
    pub fn mcp_tool<H: Handler<T>, T: ToolArgs + 'static>(
        mut self,
        name: impl Into<Named>,
        handler: H,
    ) -> Self {
        let location = std::panic::Location::caller();
        let named = name.into();
        let what = format!("MCP tool `{}`", named.name);
        if self
            .mcp_registry()
            .tools
            .iter()
            .any(|t| t.tool.name == named.name)
        {
            return self.mcp_twice(&what, location);
        }
        let problems = handler.problems();
        let def = ToolDef::new(named, T::input_schema(), handler.into_endpoint());
        self.mcp_registry().tools.push(def);
        self.mcp_problems(&what, location, problems)
    }

    /// `what` is added a second time, at `location`.
    fn mcp_twice(self, what: &str, location: &std::panic::Location<'_>) -> Self {
        self.problem(format!("the {what} is added twice (again at {location})"))
    }

    /// The problems `what`'s handler reports (its middleware's), each saying where it was added.
    fn mcp_problems(
        self,
        what: &str,
        location: &std::panic::Location<'_>,
        problems: Vec<String>,
    ) -> Self {
        problems.into_iter().fold(self, |app, problem| {
            app.problem(format!("{problem} ({what} at {location})"))
        })
    }

    /// Serves `handler` as the MCP resource `uri`, or as every resource a URI template of
    /// RFC 6570 level 1 matches (`user://{id}`): a `Path` extractor reads the variables, by
    /// name, as it reads a route's parameters. The answer is the resource's contents (text, or
    /// base64 when not UTF-8) of the media type its `Content-Type` says; a 404 is the protocol's
    /// "resource not found". A malformed template is reported by [`App::build`].
    #[track_caller]
    pub fn mcp_resource<H: Handler<T>, T: 'static>(
        mut self,
        uri: impl Into<Named>,
        handler: H,
    ) -> Self {
        let location = std::panic::Location::caller();
        let named = uri.into();
        let uri = named.name.clone();
        let uri = uri.as_str();
        let template = match template::UriTemplate::parse(uri) {
            Ok(template) => template,
            Err(e) => return self.problem(format!("MCP resource at {location}: {e}")),
        };
        let what = format!("MCP resource `{uri}`");
        let registry = self.mcp_registry();
        if registry
            .resources
            .iter()
            .any(|r| r.template.as_str() == uri)
        {
            return self.mcp_twice(&what, location);
        }
        let problems = handler.problems();
        let endpoint = handler.into_endpoint();
        self.mcp_registry().resources.push(resource::ResourceDef {
            template,
            named,
            endpoint,
            lister: None,
        });
        self.mcp_problems(&what, location, problems)
    }

    /// Serves `handler` as the MCP prompt `name`: the properties of its `Json<T>` input are
    /// the prompt's arguments (strings, as MCP passes them; required unless `Option`), the
    /// input type's doc comment its description. A text answer is one user message; a JSON
    /// answer with `messages` is the prompt's messages as they stand.
    #[track_caller]
    pub fn mcp_prompt<H: Handler<T>, T: ToolArgs + 'static>(
        mut self,
        name: impl Into<Named>,
        handler: H,
    ) -> Self {
        let location = std::panic::Location::caller();
        let named = name.into();
        let what = format!("MCP prompt `{}`", named.name);
        if self
            .mcp_registry()
            .prompts
            .iter()
            .any(|p| p.prompt.name == named.name)
        {
            return self.mcp_twice(&what, location);
        }
        let problems = handler.problems();
        let def = prompt::PromptDef::new(named, &T::input_schema(), handler.into_endpoint());
        self.mcp_registry().prompts.push(def);
        self.mcp_problems(&what, location, problems)
    }

    /// Gives the resource added last a lister of the concrete resources it serves.
    #[cfg(feature = "fs")]
    fn mcp_lister(mut self, lister: resource::Lister) -> Self {
        if let Some(last) = self.mcp_registry().resources.last_mut() {
            last.lister = Some(lister);
        }
        self
    }

    /// Mounts the MCP endpoint at `path` instead of `/mcp`.
    #[must_use]
    pub fn mcp_path(mut self, path: &str) -> Self {
        path.clone_into(&mut self.mcp_registry().path);
        self
    }

    /// The names (`example.com`, or `example.com:8443` for one port) the MCP endpoint answers
    /// to, in `Host` and in `Origin`, instead of loopback alone: a deployment behind a proxy
    /// lists the name it is reached by.
    #[must_use]
    pub fn mcp_allowed_hosts<S: Into<String>>(
        mut self,
        hosts: impl IntoIterator<Item = S>,
    ) -> Self {
        self.mcp_registry().allowed_hosts = hosts.into_iter().map(Into::into).collect();
        self
    }

    /// Holds at most `max` sessions (protocol 2025-11-25; 2026-07-28 has none) at once: a
    /// client opening more is answered 503 with `Retry-After` until one ends. Default
    /// [`DEFAULT_MAX_SESSIONS`].
    #[must_use]
    pub fn mcp_max_sessions(mut self, max: usize) -> Self {
        self.mcp_registry().max_sessions = max;
        self
    }

    /// Ends a session idle for `idle` (its id is then unknown: 404, and the client starts
    /// again). Default [`DEFAULT_SESSION_IDLE`], five minutes.
    #[must_use]
    pub fn mcp_session_idle(mut self, idle: std::time::Duration) -> Self {
        self.mcp_registry().session_idle = idle;
        self
    }

    /// Serves this app's MCP tools, resources and prompts over stdin and stdout (one JSON-RPC
    /// message per line, MCP's stdio transport) until the client closes them: what a desktop
    /// client spawns. Handlers see the app's state; there is no HTTP request, so head
    /// extractors that need one (headers, `Claims`) find none. Logs must go to stderr.
    ///
    /// ```no_run
    /// # use rws::prelude::*;
    /// # async fn run(app: App) -> Result<(), rws::BoxError> {
    /// if std::env::args().any(|a| a == "--stdio") {
    ///     return app.serve_mcp_stdio().await;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn serve_mcp_stdio(mut self) -> Result<(), crate::BoxError> {
        use rmcp::ServiceExt as _;
        let registry = self.mcp.take().map(|r| *r).unwrap_or_default();
        let service = self.build()?;
        let (mut head, ()) = http::Request::new(()).into_parts();
        head.extensions.insert(service.context());
        let server = server::Server::new(registry.tools, registry.resources, registry.prompts)
            .with_head(head);
        let running = server.serve(rmcp::transport::stdio()).await?;
        running.waiting().await?;
        Ok(())
    }

    /// Turns the registered tools into the routes of the MCP endpoint (`App::build` calls it).
    pub(crate) fn mount_mcp(mut self) -> Self {
        // `#[route(…, mcp)]` tools join the app their routes join (`App::new`, not `empty`).
        let mut routed = Vec::new();
        if self.macro_routes {
            for def in route::macro_routes() {
                match ToolDef::for_route(def) {
                    Ok(tool) => routed.push(tool),
                    Err(e) => {
                        let problem = format!(
                            "MCP tool `{}` ({} {}): {e}",
                            def.name, def.method, def.pattern
                        );
                        self = self.problem(problem);
                    }
                }
            }
        }
        if self.mcp.is_none() && routed.is_empty() {
            return self;
        }
        let mut registry = self.mcp.take().map(|r| *r).unwrap_or_default();
        for tool in routed {
            if registry.tools.iter().any(|t| t.tool.name == tool.tool.name) {
                let problem = format!(
                    "the MCP tool `{}` is added twice (once by #[route(…, mcp)])",
                    tool.tool.name
                );
                self = self.problem(problem);
                continue;
            }
            registry.tools.push(tool);
        }
        let path = registry.path.clone();
        let handler = transport::handler(registry);
        for method in [http::Method::POST, http::Method::GET, http::Method::DELETE] {
            let handler = std::sync::Arc::clone(&handler);
            self = self.route(method, &path, move |req: crate::Request| handler(req));
        }
        self
    }
}
