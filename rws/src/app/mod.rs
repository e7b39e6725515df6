//! `App`: routes, state and middleware, built once into a [`AppService`].

mod build;
mod dispatch;
pub(crate) mod registry;
pub(crate) mod service;

use std::fmt;
use std::panic::Location;

use http::Method;

pub use build::BuildError;
pub use service::{AppService, ResponseFuture};

use crate::Request;
use crate::handler::{Endpoint, Handler};
use crate::middleware::{self, Middleware, MiddlewareWrap, SharedWrap, TowerAdapter};
use crate::state::{Requirements, StateMap};

/// A web application: routes, state and middleware.
///
/// Build it with the builder methods, then turn it into a service ([`App::build`],
/// [`App::into_service`]) or test it in-process with [`TestClient`](crate::TestClient).
///
/// ```
/// use rws::prelude::*;
///
/// #[derive(Clone)]
/// struct Greeting(&'static str);
///
/// async fn hello(Path(name): Path<String>, State(g): State<Greeting>) -> String {
///     format!("{}, {name}!", g.0)
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let app = App::new()
///     .state(Greeting("Hello"))
///     .get("/hello/:name", hello)
///     .nest("/api", App::new().get("/ping", || async { "pong" }));
///
/// let client = TestClient::new(app);
/// assert_eq!(client.get("/hello/rws").send().await.text().await, "Hello, rws!");
/// assert_eq!(client.get("/api/ping").send().await.text().await, "pong");
/// # }
/// ```
pub struct App {
    // Whether `#[route]` handlers join this app when it is built (`App::new`), or not
    // (`App::empty`). Only the app that is built looks: nested and merged apps never add them twice.
    pub(crate) macro_routes: bool,
    routes: Vec<Route>,
    middleware: Vec<SharedWrap>,
    state: StateMap,
    fallback: Option<FallbackDef>,
    // Fallbacks of nested apps, by path prefix.
    nested_fallbacks: Vec<(String, FallbackDef)>,
    body_limit: Option<usize>,
    // Problems found while assembling (two fallbacks merged, a bad nest prefix), reported by build().
    problems: Vec<String>,
    // MCP tools, mounted as routes when the app is built.
    #[cfg(feature = "mcp")]
    pub(crate) mcp: Option<Box<crate::mcp::registry::Registry>>,
}

/// One route as the app holds it until it is built.
#[derive(Clone)]
pub(crate) struct Route {
    pub(crate) method: Method,
    pub(crate) pattern: String,
    // The handler with every middleware of its route and nests composed around it.
    pub(crate) endpoint: Endpoint,
    // That middleware alone, outermost first, for the automatic answers of its pattern.
    pub(crate) layers: Vec<SharedWrap>,
    pub(crate) requirements: Requirements,
    pub(crate) handler: String,
    pub(crate) name: Option<&'static str>,
    pub(crate) location: Source,
    pub(crate) body_limit: Option<usize>,
}

/// Where a route was declared: the builder call or the `#[route]` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The file.
    pub file: &'static str,
    /// The line.
    pub line: u32,
    /// The column.
    pub column: u32,
}

impl From<&'static Location<'static>> for Source {
    fn from(location: &'static Location<'static>) -> Self {
        Source {
            file: location.file(),
            line: location.line(),
            column: location.column(),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Clone)]
pub(crate) struct FallbackDef {
    pub(crate) endpoint: Endpoint,
    // The middleware of the nests it came from, outermost first.
    pub(crate) layers: Vec<SharedWrap>,
    pub(crate) requirements: Requirements,
    pub(crate) location: Source,
}

/// One route of an app, as listed by [`App::routes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// The HTTP method.
    pub method: Method,
    /// The path pattern.
    pub pattern: String,
    /// The handler's type name (the function's path for an `fn` item, `module::function` for a
    /// `#[route]`).
    pub handler: String,
    /// The route's name, from `#[route(…, name = "…")]`.
    pub name: Option<&'static str>,
    /// Where the route was added.
    pub file: &'static str,
    /// The line it was added on.
    pub line: u32,
}

impl fmt::Display for RouteInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<7} {:<32} {} ({}:{})",
            self.method.as_str(),
            self.pattern,
            self.handler,
            self.file,
            self.line
        )
    }
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("routes", &self.routes())
            .field("state", &self.state)
            .field("middleware", &self.middleware.len())
            .finish_non_exhaustive()
    }
}

macro_rules! method_shortcuts {
    ($($(#[$doc:meta])* $name:ident => $method:ident,)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $name<H: Handler<T>, T: 'static>(self, pattern: &str, handler: H) -> Self {
            self.route(Method::$method, pattern, handler)
        }
    )*};
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

impl App {
    /// An app with every `#[route]` handler of the program (of every linked crate), to which
    /// builder routes can be added.
    ///
    /// The macro routes join when this app is built; an app nested or merged into another brings
    /// only its builder routes. Every test of a test binary shares that binary's `#[route]`s: a
    /// test that builds its own routes beside them uses `App::empty()`.
    pub fn new() -> Self {
        App {
            macro_routes: true,
            ..App::empty()
        }
    }

    /// An app with no routes at all: `#[route]` handlers are left out.
    pub fn empty() -> Self {
        App {
            macro_routes: false,
            routes: Vec::new(),
            middleware: Vec::new(),
            state: StateMap::default(),
            fallback: None,
            nested_fallbacks: Vec::new(),
            body_limit: None,
            problems: Vec::new(),
            #[cfg(feature = "mcp")]
            mcp: None,
        }
    }

    /// An app holding `state` (see [`App::state`]).
    pub fn with_state<S: Send + Sync + 'static>(state: S) -> Self {
        App::new().state(state)
    }

    /// Adds a state value, extracted by `State<S>` (a clone) or `Arc<S>` (shared). One value
    /// per type; a second value of the same type replaces the first.
    pub fn state<S: Send + Sync + 'static>(mut self, state: S) -> Self {
        self.state.insert(state);
        self
    }

    /// Routes `method pattern` to `handler`.
    ///
    /// Malformed patterns, conflicts and missing state are reported by [`App::build`], all at
    /// once, with the file and line of each route.
    #[track_caller]
    pub fn route<H: Handler<T>, T: 'static>(
        mut self,
        method: Method,
        pattern: &str,
        handler: H,
    ) -> Self {
        let mut requirements = Requirements::default();
        H::requirements(&mut requirements);
        let location = Location::caller();
        for problem in handler.problems() {
            self.problems.push(format!(
                "{problem} (route {method} {pattern} at {location})"
            ));
        }
        self.routes.push(Route {
            method,
            pattern: pattern.to_owned(),
            layers: handler.layers().0,
            endpoint: handler.into_endpoint(),
            requirements,
            handler: std::any::type_name::<H>().to_owned(),
            name: None,
            location: location.into(),
            body_limit: None,
        });
        self
    }

    method_shortcuts! {
        /// Routes `GET pattern` (and HEAD, with the body dropped) to `handler`.
        get => GET,
        /// Routes `POST pattern` to `handler`.
        post => POST,
        /// Routes `PUT pattern` to `handler`.
        put => PUT,
        /// Routes `PATCH pattern` to `handler`.
        patch => PATCH,
        /// Routes `DELETE pattern` to `handler`.
        delete => DELETE,
        /// Routes `HEAD pattern` to `handler`, instead of the GET handler.
        head => HEAD,
        /// Routes `OPTIONS pattern` to `handler`, instead of the automatic `Allow` answer.
        options => OPTIONS,
    }

    /// Routes every standard method on `pattern` to `handler` (GET and HEAD, POST, PUT,
    /// PATCH, DELETE, OPTIONS, TRACE): a reverse proxy, say. Other methods get 405; a
    /// [`fallback`](App::fallback) or middleware sees those too.
    ///
    /// ```
    /// use rws::prelude::*;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let app = App::empty().any("/echo", |method: rws::http::Method| async move { method.to_string() });
    /// let client = TestClient::new(app);
    /// assert_eq!(client.delete("/echo").send().await.text().await, "DELETE");
    /// # }
    /// ```
    #[track_caller]
    pub fn any<H: Handler<T>, T: 'static>(mut self, pattern: &str, handler: H) -> Self {
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ] {
            self = self.route(method, pattern, handler.clone());
        }
        self.route(Method::TRACE, pattern, handler)
    }

    /// Answers requests no route matches (instead of a 404 problem). A nested app's fallback
    /// answers for paths under its prefix.
    #[track_caller]
    pub fn fallback<H: Handler<T>, T: 'static>(mut self, handler: H) -> Self {
        let mut requirements = Requirements::default();
        H::requirements(&mut requirements);
        let location = Source::from(Location::caller());
        if let Some(previous) = &self.fallback {
            self.problems.push(format!(
                "two fallbacks: one added at {location}, one at {}",
                previous.location
            ));
        }
        self.fallback = Some(FallbackDef {
            layers: handler.layers().0,
            endpoint: handler.into_endpoint(),
            requirements,
            location,
        });
        self
    }

    /// Adds middleware in front of every route of this app. The first added runs first on the
    /// way in and last on the way out.
    #[track_caller]
    pub fn wrap<M: Middleware>(mut self, middleware: M) -> Self {
        let location = Location::caller();
        for problem in middleware.problems() {
            self.problems
                .push(format!("{problem} (middleware added at {location})"));
        }
        self.middleware
            .push(std::sync::Arc::new(MiddlewareWrap(std::sync::Arc::new(
                middleware,
            ))));
        self
    }

    /// Adds a `tower::Layer` (a `tower-http` layer, say) as middleware, in the same order as
    /// [`App::wrap`].
    pub fn layer<L, S, B>(mut self, layer: L) -> Self
    where
        L: tower_layer::Layer<middleware::Next, Service = S> + Send + Sync + 'static,
        S: tower_service::Service<Request, Response = http::Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<crate::BoxError> + Send,
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<crate::BoxError>,
    {
        self.middleware
            .push(std::sync::Arc::new(TowerAdapter(layer)));
        self
    }

    /// Sets the request body limit for this app's routes (default 2 MiB). Body extractors
    /// answer 413 past it, without reading further.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = Some(bytes);
        self
    }

    /// Mounts `app`'s routes under `prefix`. `app`'s middleware applies to its routes only, and
    /// its fallback to paths under `prefix`.
    #[track_caller]
    pub fn nest(mut self, prefix: &str, app: App) -> Self {
        let location = Location::caller();
        let prefix = prefix.trim_end_matches('/');
        if !prefix.is_empty() && !prefix.starts_with('/') {
            self.problems.push(format!(
                "nest prefix `{prefix}` (at {location}) must start with `/`"
            ));
            return self;
        }
        self.absorb(prefix, app);
        self
    }

    /// Adds `app`'s routes, state and fallback to this app. `app`'s middleware applies to its
    /// routes only.
    #[track_caller]
    pub fn merge(mut self, app: App) -> Self {
        self.absorb("", app);
        self
    }

    /// The state value of type `T`, if the app holds one yet.
    pub(crate) fn state_value<T: Send + Sync + 'static>(&self) -> Option<std::sync::Arc<T>> {
        self.state.get::<T>()
    }

    /// Records a problem for [`App::build`] to report.
    #[cfg_attr(not(any(feature = "fs", feature = "mcp")), allow(dead_code))]
    pub(crate) fn problem(mut self, problem: String) -> Self {
        self.problems.push(problem);
        self
    }

    fn absorb(&mut self, prefix: &str, app: App) {
        let App {
            macro_routes: _,
            routes,
            middleware: wraps,
            state,
            fallback,
            nested_fallbacks,
            body_limit,
            problems,
            #[cfg(feature = "mcp")]
            mcp,
        } = app;
        self.problems.extend(problems);
        #[cfg(feature = "mcp")]
        if let Some(mcp) = mcp {
            self.mcp
                .get_or_insert_with(Box::default)
                .absorb(*mcp, &wraps);
        }
        self.state.fill_from(state);
        for mut route in routes {
            route.pattern = match (prefix, route.pattern.as_str()) {
                ("", _) => route.pattern,
                (_, "/") => prefix.to_owned(),
                (_, pattern) => format!("{prefix}{pattern}"),
            };
            route.endpoint = middleware::compose(&wraps, route.endpoint);
            route.layers.splice(0..0, wraps.iter().cloned());
            route.body_limit = route.body_limit.or(body_limit);
            self.routes.push(route);
        }
        let nested = nested_fallbacks
            .into_iter()
            .map(|(p, f)| (format!("{prefix}{p}"), f))
            .chain(fallback.map(|f| (prefix.to_owned(), f)));
        for (p, mut f) in nested {
            f.endpoint = middleware::compose(&wraps, f.endpoint);
            f.layers.splice(0..0, wraps.iter().cloned());
            if p.is_empty() {
                if let Some(previous) = &self.fallback {
                    self.problems.push(format!(
                        "two fallbacks: one added at {}, one at {}",
                        previous.location, f.location
                    ));
                }
                self.fallback = Some(f);
            } else {
                self.nested_fallbacks.push((p, f));
            }
        }
    }

    /// Every route: the `#[route]` handlers first (for `App::new`), then the builder routes in the
    /// order added.
    pub fn routes(&self) -> Vec<RouteInfo> {
        let macros = if self.macro_routes {
            registry::routes()
        } else {
            Vec::new()
        };
        macros
            .iter()
            .chain(&self.routes)
            .map(|r| RouteInfo {
                method: r.method.clone(),
                pattern: r.pattern.clone(),
                handler: r.handler.clone(),
                name: r.name,
                file: r.location.file,
                line: r.location.line,
            })
            .collect()
    }

    /// Builds the service, or reports every problem at once: malformed patterns, conflicting
    /// routes (with both locations), routes needing state the app lacks.
    pub fn build(self) -> Result<AppService, BuildError> {
        #[cfg(feature = "mcp")]
        return build::build(self.mount_mcp());
        #[cfg(not(feature = "mcp"))]
        build::build(self)
    }

    /// Builds the service.
    ///
    /// # Panics
    ///
    /// If [`App::build`] finds problems; the message lists them all. Use `build` to handle them.
    pub fn into_service(self) -> AppService {
        match self.build() {
            Ok(service) => service,
            Err(e) => panic!("{e}"),
        }
    }
}
