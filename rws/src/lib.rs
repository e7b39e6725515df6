//! rws: a declarative, macro-driven web framework on tokio and hyper.
#![cfg_attr(docsrs, feature(doc_cfg))]
//!
//! A handler is an `async fn` whose arguments are extractors and whose return value is a
//! response; an [`App`] routes requests to handlers through rws's own radix-tree router and a
//! middleware stack composed once, and is served as a hyper service.
//!
//! ```
//! use rws::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Clone)]
//! struct User { id: u64, name: String }
//!
//! async fn get_user(Path(id): Path<u64>) -> Result<Json<User>, Error> {
//!     if id == 0 {
//!         return Err(Error::not_found(format!("no user {id}")));
//!     }
//!     Ok(Json(User { id, name: "Ada".into() }))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let client = TestClient::new(App::new().get("/users/:id", get_user));
//! let res = client.get("/users/7").send().await;
//! assert_eq!(res.status(), StatusCode::OK);
//! assert_eq!(client.get("/users/0").send().await.status(), StatusCode::NOT_FOUND);
//! assert_eq!(client.get("/users/x").send().await.status(), StatusCode::BAD_REQUEST);
//! # }
//! ```

pub mod app;
#[cfg(feature = "auth")]
#[cfg_attr(docsrs, doc(cfg(feature = "auth")))]
pub mod auth;
pub mod body;
#[cfg(feature = "cache")]
#[cfg_attr(docsrs, doc(cfg(feature = "cache")))]
pub mod cache;
#[cfg(any(feature = "fs", feature = "cache"))]
mod conditional;
#[cfg(feature = "config")]
#[cfg_attr(docsrs, doc(cfg(feature = "config")))]
pub mod config;
mod connection;
mod context;
#[cfg(feature = "cookies")]
#[cfg_attr(docsrs, doc(cfg(feature = "cookies")))]
pub mod cookie;
mod deadline;
mod encoding;
pub mod error;
pub mod extract;
#[cfg(feature = "fs")]
#[cfg_attr(docsrs, doc(cfg(feature = "fs")))]
pub mod fs;
pub mod handler;
mod header_list;
pub mod ip;
#[cfg(feature = "logging")]
#[cfg_attr(docsrs, doc(cfg(feature = "logging")))]
pub mod logging;
mod media_type;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;

#[cfg(feature = "mcp")]
#[cfg_attr(docsrs, doc(cfg(feature = "mcp")))]
pub mod mcp;
pub mod middleware;
#[cfg(feature = "otel")]
#[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
pub mod otel;
#[cfg(feature = "proxy")]
#[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
pub mod proxy;
#[cfg(feature = "redis")]
mod redis_link;
pub mod reload;
pub mod response;
pub mod router;
#[cfg(feature = "mcp")]
mod schema;
#[cfg(any(feature = "cookies", feature = "auth"))]
mod secret;
pub mod server;
#[cfg(feature = "sessions")]
#[cfg_attr(docsrs, doc(cfg(feature = "sessions")))]
pub mod session;
pub mod sse;
mod state;
mod test_client;
#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub mod ws;

pub use app::{App, AppService, BuildError, RouteInfo};
pub use body::{Body, BoxError};
pub use connection::ConnectionInfo;
pub use context::DEFAULT_BODY_LIMIT;
pub use error::{Error, Problem};
pub use extract::Request;
pub use extract::{Extension, Form, Json, Path, PathParams, Query, State};
pub use response::{Html, IntoResponse, Redirect, Response};
pub use server::{ServeError, serve};
pub use test_client::{TestClient, TestRequest, TestResponse};

/// The typed common headers of [`TypedHeader`](extract::TypedHeader) (the hyperium `headers` crate).
#[cfg(feature = "typed-header")]
#[cfg_attr(docsrs, doc(cfg(feature = "typed-header")))]
pub use headers;
pub use http;
pub use rws_derive::FromRequest;
#[cfg(feature = "validate")]
#[cfg_attr(docsrs, doc(cfg(feature = "validate")))]
pub use rws_derive::Validate;
pub use rws_macros::{delete, get, head, main, options, patch, post, put, route};

/// `#[route(…, mcp)]`'s tool registration, expanded only with the `mcp` feature.
#[cfg(feature = "mcp")]
#[doc(hidden)]
#[macro_export]
macro_rules! __rws_mcp_route {
    ($($item:tt)*) => { $($item)* };
}

/// `#[route(…, mcp)]` without the `mcp` feature: an error that says so.
#[cfg(not(feature = "mcp"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __rws_mcp_route {
    ($($item:tt)*) => {
        ::core::compile_error!(
            "`#[route(…, mcp)]` needs rws's `mcp` feature: `rws = { version = \"…\", features = [\"mcp\"] }`"
        );
    };
}

/// What the macros' generated code names; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::app::registry::{IsRequest, MacroEndpoint, RouteDef};
    pub use crate::extract::derive;
    pub use crate::extract::{FromRequest, FromRequestParts};
    pub use inventory;

    /// `#[route(…, mcp)]`'s helpers.
    #[cfg(feature = "mcp")]
    #[cfg_attr(docsrs, doc(cfg(feature = "mcp")))]
    pub mod mcp {
        pub use crate::mcp::route::{
            Described, Fallback, HasSchema, McpRouteDef, NeedsSchema, Probe, RouteSchema,
        };
    }
    #[cfg(feature = "validate")]
    #[cfg_attr(docsrs, doc(cfg(feature = "validate")))]
    pub use validator;

    /// `#[derive(Validate)]`'s helpers.
    #[cfg(feature = "validate")]
    #[cfg_attr(docsrs, doc(cfg(feature = "validate")))]
    pub mod validation {
        use std::borrow::Cow;

        use validator::{Validate, ValidationError, ValidationErrors};

        /// A rule's failure, with its code, message and parameters.
        pub fn error(
            code: &'static str,
            message: Option<&'static str>,
            params: &[(&'static str, serde_json::Value)],
        ) -> ValidationError {
            let mut e = ValidationError::new(code);
            for (k, v) in params {
                e.add_param(Cow::Borrowed(*k), v);
            }
            if let Some(m) = message {
                e = e.with_message(Cow::Borrowed(m));
            }
            e
        }

        /// A rule's parameter as JSON (`null` if it does not serialise).
        pub fn param<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Value {
            serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
        }

        /// `nested`: a struct's or a list's own errors, under the field's name.
        pub fn nested<T: Validate + ?Sized>(
            errors: &mut ValidationErrors,
            field: &'static str,
            value: &T,
        ) {
            errors.merge_self(field, value.validate());
        }
    }

    /// `#[rws::main]`'s logging: `rws::logging::init()` when the feature is on.
    pub fn init_logging() {
        #[cfg(feature = "logging")]
        crate::logging::init();
    }

    /// `#[rws::main]`'s runtime: multi-thread, every driver enabled.
    ///
    /// # Panics
    ///
    /// If the operating system refuses the runtime's threads or its I/O driver, as
    /// `#[tokio::main]` does: there is no program to run without them.
    pub fn runtime() -> tokio::runtime::Runtime {
        match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => panic!("cannot start the tokio runtime: {e}"),
        }
    }
}

/// What most handlers need, in one `use rws::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "typed-header")]
    #[cfg_attr(docsrs, doc(cfg(feature = "typed-header")))]
    pub use crate::extract::TypedHeader;
    pub use crate::extract::{BearerToken, FromRequest, FromRequestParts, MatchedPath};
    #[cfg(feature = "multipart")]
    #[cfg_attr(docsrs, doc(cfg(feature = "multipart")))]
    pub use crate::extract::{Multipart, MultipartLimits, UploadedFile};
    pub use crate::middleware::{HandlerExt, Middleware, Next};
    pub use crate::{
        App, Body, ConnectionInfo, Error, Extension, Form, Html, IntoResponse, Json, Path,
        PathParams, Query, Redirect, Request, Response, State, TestClient,
    };
    pub use bytes::Bytes;
    pub use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, Version, header};
    pub use rws_derive::FromRequest;
    #[cfg(feature = "validate")]
    #[cfg_attr(docsrs, doc(cfg(feature = "validate")))]
    pub use rws_derive::Validate;
    // Attribute macros live in the macro namespace: they clash with no function or type.
    pub use rws_macros::{delete, get, head, options, patch, post, put, route};
}

// The README's examples use opt-in features; `scripts/test` runs them with all features.
#[cfg(all(
    doctest,
    feature = "ws",
    feature = "sessions",
    feature = "auth",
    feature = "multipart",
    feature = "mcp"
))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
