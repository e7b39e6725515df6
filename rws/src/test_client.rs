//! `TestClient`: requests through the app's own service, in-process, without a socket.

use std::fmt;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode, Uri};
use http_body_util::BodyExt;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::app::{App, AppService};
use crate::body::{Body, BodyDataStream};
use crate::connection::ConnectionInfo;
use crate::{Request, Response};

/// Sends requests to an app in-process, through the very [`AppService`] a server would run.
///
/// Meant for tests: it panics on misuse (an app that does not build, an invalid header) with a
/// message saying what is wrong.
///
/// ```
/// use rws::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let app = App::new().post("/echo", |Json(v): Json<serde_json::Value>| async move { Json(v) });
/// let client = TestClient::new(app);
///
/// let res = client.post("/echo").json(&serde_json::json!({"a": 1})).send().await;
/// assert_eq!(res.status(), StatusCode::OK);
/// assert_eq!(res.json::<serde_json::Value>().await["a"], 1);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TestClient {
    service: AppService,
}

macro_rules! verbs {
    ($($name:ident => $method:ident,)*) => {$(
        #[doc = concat!("Starts a `", stringify!($method), "` request.")]
        pub fn $name(&self, uri: &str) -> TestRequest {
            self.request(Method::$method, uri)
        }
    )*};
}

impl TestClient {
    /// Builds `app` and wraps it.
    ///
    /// # Panics
    ///
    /// If the app does not build; the message lists every problem.
    pub fn new(app: App) -> Self {
        TestClient::from_service(&app.into_service())
    }

    /// Wraps an already built service.
    pub fn from_service(service: &AppService) -> Self {
        TestClient {
            service: service.with_connection_info(ConnectionInfo::loopback()),
        }
    }

    /// Starts a request with any method.
    ///
    /// # Panics
    ///
    /// If `uri` is not a valid request target.
    pub fn request(&self, method: Method, uri: &str) -> TestRequest {
        let uri: Uri = uri
            .parse()
            .unwrap_or_else(|e| panic!("invalid test request URI {uri:?}: {e}"));
        let mut req = Request::new(Body::empty());
        *req.method_mut() = method;
        *req.uri_mut() = uri;
        TestRequest {
            service: self.service.clone(),
            req,
        }
    }

    verbs! {
        get => GET,
        post => POST,
        put => PUT,
        patch => PATCH,
        delete => DELETE,
        head => HEAD,
        options => OPTIONS,
    }
}

/// A request being built by [`TestClient`].
#[derive(Debug)]
pub struct TestRequest {
    service: AppService,
    req: Request,
}

impl TestRequest {
    /// Adds a header.
    ///
    /// # Panics
    ///
    /// If the name or value is invalid.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: fmt::Debug,
        V: TryInto<HeaderValue>,
        V::Error: fmt::Debug,
    {
        let name = name
            .try_into()
            .unwrap_or_else(|e| panic!("invalid header name: {e:?}"));
        let value = value
            .try_into()
            .unwrap_or_else(|e| panic!("invalid header value: {e:?}"));
        self.req.headers_mut().append(name, value);
        self
    }

    /// Sets the body as is.
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        *self.req.body_mut() = body.into();
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    ///
    /// # Panics
    ///
    /// If `value` does not serialise.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        let body = serde_json::to_vec(value)
            .unwrap_or_else(|e| panic!("test body does not serialise: {e}"));
        self.req
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *self.req.body_mut() = body.into();
        self
    }

    /// Sets a URL-encoded form body and its `Content-Type`.
    ///
    /// # Panics
    ///
    /// If `value` does not serialise as a form.
    pub fn form<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        let body = serde_html_form::to_string(value)
            .unwrap_or_else(|e| panic!("test form does not serialise: {e}"));
        self.req.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        *self.req.body_mut() = body.into();
        self
    }

    /// Sends the request through the app.
    pub async fn send(self) -> TestResponse {
        let mut res = match self.service.dispatch(self.req).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
        // What a client sees over the wire: hyper frames a body of known size with its length.
        crate::response::set_content_length(&mut res);
        TestResponse { res }
    }
}

/// A response received by [`TestClient`].
#[derive(Debug)]
pub struct TestResponse {
    res: Response,
}

impl TestResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.res.status()
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        self.res.headers()
    }

    /// One header as text, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.res.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// The whole body.
    ///
    /// # Panics
    ///
    /// If the body stream fails.
    pub async fn bytes(self) -> Bytes {
        match self.res.into_body().collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => panic!("response body failed: {e}"),
        }
    }

    /// The whole body as text.
    ///
    /// # Panics
    ///
    /// If the body is not UTF-8.
    pub async fn text(self) -> String {
        let bytes = self.bytes().await;
        String::from_utf8(bytes.to_vec())
            .unwrap_or_else(|e| panic!("response body is not UTF-8: {e}"))
    }

    /// The body deserialised from JSON.
    ///
    /// # Panics
    ///
    /// If the body is not JSON of type `T`; the message includes the body.
    pub async fn json<T: DeserializeOwned>(self) -> T {
        let bytes = self.bytes().await;
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "response body is not the expected JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    }

    /// The body as a stream of chunks, as they are produced.
    pub fn into_stream(self) -> BodyDataStream {
        self.res.into_body().into_data_stream()
    }

    /// The response itself.
    pub fn into_inner(self) -> Response {
        self.res
    }
}
