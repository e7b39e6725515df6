//! Attribute macros of the rws web framework: `#[route]` and its shortcuts.
//!
//! Users do not depend on this crate: `rws` re-exports the macros (`rws::route`, `rws::get`, …)
//! and the generated code names only `::rws::…` paths.

mod main_attr;
mod route;

use proc_macro::TokenStream;

/// Declares a route handler, registered with every `App::new()` at start-up.
///
/// ```
/// use rws::prelude::*;
///
/// #[route(GET, "/users/:id")]
/// async fn get_user(Path(id): Path<u64>) -> String { format!("user {id}") }
///
/// #[route(GET | HEAD, "/health", name = "health")]
/// async fn health() -> &'static str { "ok" }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let client = TestClient::new(App::new());
/// assert_eq!(client.get("/users/7").send().await.text().await, "user 7");
/// assert_eq!(get_user(Path(8)).await, "user 8"); // still an ordinary function
/// # }
/// ```
///
/// The function stays as written and callable; the macro adds one `inventory` registration and
/// compile-time checks that point at the offending argument or return type.
///
/// With `mcp` (or `mcp = "tool_name"`, and rws's `mcp` feature), the route is also an MCP tool
/// named after the function: its input schema merges the route's `Path`, `Query` and `Json`
/// types (each must derive `schemars::JsonSchema`; a compile error at the argument otherwise),
/// its description is the function's doc comment, and a call becomes the route's own request
/// (through the app's middleware in front of `/mcp`), so the handler sees what HTTP gives it.
///
/// ```text
/// /// Reads one user.
/// #[route(GET, "/users/:id", mcp)]
/// async fn get_user(Path(id): Path<u64>, Query(view): Query<View>) -> Json<User> { … }
/// ```
#[proc_macro_attribute]
pub fn route(args: TokenStream, item: TokenStream) -> TokenStream {
    route::expand_with(None, args.into(), item.into()).into()
}

/// Runs `async fn main` on a multi-thread tokio runtime, with `tracing` initialised from
/// `RUST_LOG` (when rws's `logging` feature is on).
///
/// ```no_run
/// #[rws::main]
/// async fn main() -> Result<(), rws::ServeError> {
///     rws::App::new().serve("127.0.0.1:7878").await
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    main_attr::expand(&args.into(), item.into()).into()
}

macro_rules! shortcut {
    ($($name:ident => $method:literal,)*) => {$(
        #[doc = concat!("`#[", stringify!($name), "(\"/path\")]`: `#[route(", $method, ", \"/path\")]`.")]
        #[proc_macro_attribute]
        pub fn $name(args: TokenStream, item: TokenStream) -> TokenStream {
            route::expand_with(Some($method), args.into(), item.into()).into()
        }
    )*};
}

shortcut! {
    get => "GET",
    post => "POST",
    put => "PUT",
    patch => "PATCH",
    delete => "DELETE",
    head => "HEAD",
    options => "OPTIONS",
}
