//! The `/mcp` endpoint: rmcp's Streamable HTTP transport, which speaks both protocol
//! revisions in use (chosen by the client's request) and checks `Host`, `Origin`, `Accept`,
//! the protocol headers and sessions before any tool runs; rws bounds the sessions.

use std::pin::Pin;
use std::sync::Arc;

use http::{Method, StatusCode};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tower_service::Service as _;

use super::registry::Registry;
use super::server::Server;
use crate::response::IntoResponse;
use crate::{Body, Error, Request, Response};

/// The first revision without sessions: requests naming it (or a later one) open none.
const STATELESS_FROM: &str = "2026-07-28";

type Handler = dyn Fn(Request) -> Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync;

/// The handler the MCP routes share.
pub(crate) fn handler(registry: Registry) -> Arc<Handler> {
    let Registry {
        tools,
        resources,
        prompts,
        path: _,
        allowed_hosts,
        max_sessions,
        session_idle,
    } = registry;
    let server = Server::new(tools, resources, prompts);
    // A browser page on another origin must not reach a local server (DNS rebinding): an
    // `Origin` is accepted only when it names one of the allowed hosts.
    let origins: Vec<String> = allowed_hosts
        .iter()
        .flat_map(|host| {
            let host = bracketed(host);
            [format!("http://{host}:*"), format!("https://{host}:*")]
        })
        .collect();
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(allowed_hosts)
        .with_allowed_origins(origins)
        .enforce_origin_validation();
    let mut manager = LocalSessionManager::default();
    manager.session_config.keep_alive = Some(session_idle);
    let sessions = Arc::new(manager);
    let service =
        StreamableHttpService::new(move || Ok(server.clone()), Arc::clone(&sessions), config);
    Arc::new(move |req: Request| {
        let mut service = service.clone();
        let sessions = Arc::clone(&sessions);
        Box::pin(async move {
            // Only a legacy `initialize` opens a session; once the bound is reached, no
            // request that could open one reaches the transport.
            if opens_session(&req) && sessions.sessions.read().await.len() >= max_sessions {
                return Error::new(StatusCode::SERVICE_UNAVAILABLE)
                    .with_detail(format!(
                        "the MCP endpoint holds {max_sessions} sessions, its most; end one (DELETE) or retry later"
                    ))
                    .with_header(http::header::RETRY_AFTER, http::HeaderValue::from_static("5"))
                    .into_response();
            }
            match service.call(req).await {
                Ok(res) => res.map(Body::new),
                Err(never) => match never {},
            }
        })
    })
}

/// A POST with no session that names no stateless revision: what an `initialize` looks like.
fn opens_session(req: &Request) -> bool {
    req.method() == Method::POST
        && !req.headers().contains_key("mcp-session-id")
        && req
            .headers()
            .get("mcp-protocol-version")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v < STATELESS_FROM)
}

/// An IPv6 literal in an origin is written in brackets.
fn bracketed(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}
