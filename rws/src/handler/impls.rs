//! `Handler` for async functions and closures of 0 to 16 extractor arguments.

use std::future::Future;
use std::marker::PhantomData;

use super::Handler;
use crate::extract::{FromRequest, FromRequestParts};
use crate::response::IntoResponse;
use crate::state::Requirements;
use crate::{Request, Response};

/// Tells apart the seed-shaped handlers, `fn(Request, head extractors…)`.
#[derive(Debug)]
pub struct RequestFirst<T>(PhantomData<T>);

impl<F, Fut, Res> Handler<((),)> for F
where
    F: FnOnce() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Res> + Send,
    Res: IntoResponse,
{
    // `async fn` would make the future capture the `Fut` and `Res` types, which are not 'static.
    #[allow(clippy::manual_async_fn)]
    fn call(self, _req: Request) -> impl Future<Output = Response> + Send + 'static {
        async move { self().await.into_response() }
    }

    fn requirements(_: &mut Requirements) {}
}

macro_rules! extract_or_return {
    ($parts:ident, $($ty:ident),*) => {$(
        let $ty = match <$ty as FromRequestParts>::from_request_parts(&mut $parts).await {
            Ok(value) => value,
            Err(rejection) => return rejection.into_response(),
        };
    )*};
}

macro_rules! impl_handler {
    ([$($ty:ident),*], $last:ident) => {
        #[allow(non_snake_case, unused_mut)]
        impl<F, Fut, Res, M, $($ty,)* $last> Handler<(M, $($ty,)* $last,)> for F
        where
            F: FnOnce($($ty,)* $last) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = Res> + Send,
            Res: IntoResponse,
            $($ty: FromRequestParts + Send,)*
            $last: FromRequest<M> + Send,
        {
            fn call(self, req: Request) -> impl Future<Output = Response> + Send + 'static {
                async move {
                    let (mut parts, body) = req.into_parts();
                    extract_or_return!(parts, $($ty),*);
                    let req = Request::from_parts(parts, body);
                    let $last = match <$last as FromRequest<M>>::from_request(req).await {
                        Ok(value) => value,
                        Err(rejection) => return rejection.into_response(),
                    };
                    self($($ty,)* $last).await.into_response()
                }
            }

            fn requirements(requirements: &mut Requirements) {
                $(<$ty as FromRequestParts>::requirements(requirements);)*
                <$last as FromRequest<M>>::requirements(requirements);
            }
        }
    };
}

/// The seed's shape: the whole request first, head extractors after it. The head extractors
/// run first; the request is handed over last, body untouched.
macro_rules! impl_request_first {
    ($($ty:ident),+) => {
        #[allow(non_snake_case)]
        impl<F, Fut, Res, $($ty,)+> Handler<RequestFirst<(Request, $($ty,)+)>> for F
        where
            F: FnOnce(Request, $($ty,)+) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = Res> + Send,
            Res: IntoResponse,
            $($ty: FromRequestParts + Send,)+
        {
            fn call(self, req: Request) -> impl Future<Output = Response> + Send + 'static {
                async move {
                    let (mut parts, body) = req.into_parts();
                    extract_or_return!(parts, $($ty),+);
                    self(Request::from_parts(parts, body), $($ty,)+).await.into_response()
                }
            }

            fn requirements(requirements: &mut Requirements) {
                $(<$ty as FromRequestParts>::requirements(requirements);)+
            }
        }
    };
}

impl_handler!([], T1);
impl_handler!([T1], T2);
impl_handler!([T1, T2], T3);
impl_handler!([T1, T2, T3], T4);
impl_handler!([T1, T2, T3, T4], T5);
impl_handler!([T1, T2, T3, T4, T5], T6);
impl_handler!([T1, T2, T3, T4, T5, T6], T7);
impl_handler!([T1, T2, T3, T4, T5, T6, T7], T8);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8], T9);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9], T10);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10], T11);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11], T12);
impl_handler!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12], T13);
impl_handler!(
    [T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13],
    T14
);
impl_handler!(
    [T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14],
    T15
);
impl_handler!(
    [
        T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15
    ],
    T16
);

impl_request_first!(T2);
impl_request_first!(T2, T3);
impl_request_first!(T2, T3, T4);
impl_request_first!(T2, T3, T4, T5);
impl_request_first!(T2, T3, T4, T5, T6);
impl_request_first!(T2, T3, T4, T5, T6, T7);
impl_request_first!(T2, T3, T4, T5, T6, T7, T8);
impl_request_first!(T2, T3, T4, T5, T6, T7, T8, T9);
impl_request_first!(T2, T3, T4, T5, T6, T7, T8, T9, T10);
impl_request_first!(T2, T3, T4, T5, T6, T7, T8, T9, T10, T11);
impl_request_first!(T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12);
impl_request_first!(T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13);
impl_request_first!(T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14);
impl_request_first!(T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15);
impl_request_first!(
    T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16
);
