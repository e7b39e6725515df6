//! Handlers: async functions (and closures) whose arguments are extractors.
//!
//! A handler is erased once, when it is added to an `App`, into an [`Endpoint`]; a request then
//! costs one boxed future.

mod catch_unwind;
mod erased;
mod impls;
mod wrap;

use std::future::Future;

pub(crate) use catch_unwind::CatchUnwind;
pub use erased::Endpoint;
pub(crate) use erased::{BoxFuture, Erased};
pub use impls::RequestFirst;
pub use wrap::Layers;
pub(crate) use wrap::{SharedWrap, Wrap, common_prefix, compose};

use crate::state::Requirements;
use crate::{Request, Response};

/// An async function usable as a route handler.
///
/// Implemented for every `async fn` and closure returning a future, taking 0 to 16 arguments
/// where all but the last implement [`FromRequestParts`] and the last implements
/// [`FromRequest`], and returning something that implements [`IntoResponse`]. The older
/// seed's shape, a whole `Request` first and head extractors after it, works too.
///
/// The type parameter `T` only tells the impls apart; it is inferred.
///
/// [`FromRequestParts`]: crate::extract::FromRequestParts
/// [`FromRequest`]: crate::extract::FromRequest
/// [`IntoResponse`]: crate::IntoResponse
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handler",
    label = "not a valid handler",
    note = "a handler is an `async fn` (or a closure returning a future) whose arguments are extractors — only the last may read the body — and whose output implements `rws::IntoResponse`; check each argument and the return type"
)]
pub trait Handler<T>: Clone + Send + Sync + Sized + 'static {
    /// Runs the handler: extracts the arguments, calls the function, builds the response.
    fn call(self, req: Request) -> impl Future<Output = Response> + Send + 'static;

    /// Declares what the handler's extractors need from the app.
    fn requirements(requirements: &mut Requirements);

    /// Configuration problems of middleware attached to this handler, for `App::build`.
    #[doc(hidden)]
    fn problems(&self) -> Vec<String> {
        Vec::new()
    }

    /// The middleware attached to this handler itself (with `.with(..)`), outermost first, so
    /// that the router's automatic answers for its route (405, OPTIONS, the trailing-slash
    /// redirect) pass through it too.
    #[doc(hidden)]
    fn layers(&self) -> Layers {
        Layers::default()
    }

    /// Erases the handler into an [`Endpoint`]. Wrappers (like a handler with its own
    /// middleware) override this to compose once, at build time.
    #[doc(hidden)]
    fn into_endpoint(self) -> Endpoint
    where
        T: 'static,
    {
        Endpoint::from_handler::<Self, T>(self)
    }
}
