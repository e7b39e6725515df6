//! `State<T>` and `Arc<T>`: values the app was given with `App::state`.

use std::fmt;
use std::sync::Arc;

use http::StatusCode;
use http::request::Parts;

use super::rejection::{Rejection, rejection};
use super::{FromRequestParts, Requirements};
use crate::context::RequestContext;

/// A clone of the app's state value of type `T`.
///
/// `T` is usually cheap to clone (a pool handle, an `Arc` inside). To share one value without
/// cloning it, extract `Arc<T>` instead. The app refuses to build if a route needs a state type
/// it lacks, so this never fails at request time.
///
/// ```
/// use rws::prelude::*;
///
/// #[derive(Clone)]
/// struct Config { greeting: &'static str }
///
/// async fn hello(State(config): State<Config>) -> &'static str {
///     config.greeting
/// }
///
/// let app = App::new().state(Config { greeting: "hi" }).get("/", hello);
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct State<T>(pub T);

impl<T> std::ops::Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone + Send + Sync + 'static> FromRequestParts for State<T> {
    type Rejection = StateRejection;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, StateRejection> {
        lookup::<T>(parts).map(|arc| State((*arc).clone()))
    }

    fn requirements(requirements: &mut Requirements) {
        requirements.state::<T>();
    }
}

/// The app's state value of type `T`, shared (the seed's `state: Arc<S>` argument).
impl<T: Send + Sync + 'static> FromRequestParts for Arc<T> {
    type Rejection = StateRejection;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, StateRejection> {
        lookup::<T>(parts)
    }

    fn requirements(requirements: &mut Requirements) {
        requirements.state::<T>();
    }
}

fn lookup<T: Send + Sync + 'static>(parts: &Parts) -> Result<Arc<T>, StateRejection> {
    RequestContext::of(parts)
        .and_then(|ctx| ctx.state.get::<T>())
        .ok_or(StateRejection {
            type_name: std::any::type_name::<T>(),
        })
}

/// The app holds no state of the requested type: a 500, and only possible when the request did
/// not come through `App` (which checks state when it is built).
#[derive(Debug)]
pub struct StateRejection {
    type_name: &'static str,
}

impl fmt::Display for StateRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no state of type `{}`: add it with `App::state`",
            self.type_name
        )
    }
}

impl Rejection for StateRejection {
    fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

rejection!(StateRejection);
