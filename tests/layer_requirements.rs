//! An extractor that needs a layer (`Session`, `Claims<T>`, `CsrfToken`) on a route without that
//! layer is an `App::build` error naming the route, the extractor and the layer, as missing state
//! is; where the layer cannot be seen at build time, the 500 says which one is missing.

mod support;

use rws::auth::{Claims, JwtConfig, JwtLayer};
use rws::extract::FromRequestParts;
use rws::middleware::{CsrfLayer, CsrfToken, from_fn};
use rws::prelude::*;
use rws::session::{MemoryStore, Session, SessionLayer};

const SECRET: &[u8] = b"a secret of at least thirty-two bytes";

async fn with_session(_: Session) -> &'static str {
    "session"
}

async fn with_claims(_: Claims<serde_json::Value>) -> &'static str {
    "claims"
}

async fn with_token(token: CsrfToken) -> String {
    token.value().to_owned()
}

fn sessions() -> SessionLayer<MemoryStore> {
    SessionLayer::new(MemoryStore::new(3600))
}

#[test]
fn each_missing_layer_is_a_build_error_naming_route_extractor_and_layer() {
    let err = App::empty()
        .get("/me", with_session)
        .get("/api", with_claims)
        .get("/form", with_token)
        .nest(
            "/n",
            App::empty().get("/optional", |_: Option<Session>| async {}),
        )
        .build()
        .unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 4, "{err}");
    let line = |route: &str| {
        problems
            .iter()
            .find(|p| p.contains(route))
            .unwrap_or_else(|| panic!("no problem for {route}: {err}"))
            .clone()
    };
    for (route, extractor, layer) in [
        ("`GET /me`", "`Session`", "`SessionLayer`"),
        ("`GET /api`", "`Claims`", "`JwtLayer`"),
        ("`GET /form`", "`CsrfToken`", "`CsrfLayer`"),
        ("`GET /n/optional`", "`Session`", "`SessionLayer`"),
    ] {
        let problem = line(route);
        assert!(problem.contains(extractor), "{problem}");
        assert!(
            problem.contains(&format!("needs a {layer} in front of it")),
            "{problem}"
        );
        assert!(problem.contains("layer_requirements.rs:"), "{problem}");
    }
}

#[test]
fn a_layer_on_the_app_a_nest_or_the_route_satisfies_the_extractor() {
    App::empty()
        .get("/app", with_session)
        .wrap(sessions())
        .build()
        .unwrap();
    App::empty()
        .nest("/n", App::empty().get("/me", with_session).wrap(sessions()))
        .nest(
            "/api",
            App::empty()
                .get("/", with_claims)
                .wrap(JwtLayer::new(JwtConfig::new(SECRET))),
        )
        .get("/form", with_token.with(CsrfLayer::new()))
        .build()
        .unwrap();
    // A layer on one nest does not cover a route outside it.
    let err = App::empty()
        .nest("/n", App::empty().get("/me", with_session).wrap(sessions()))
        .get("/other", with_session)
        .build()
        .unwrap_err();
    assert_eq!(err.problems().len(), 1, "{err}");
    assert!(err.problems()[0].contains("`GET /other`"), "{err}");
}

/// A middleware that runs the extractor itself is beyond what `App::build` sees: the 500 names
/// the layer in its problem body.
#[tokio::test]
async fn an_extractor_run_where_build_cannot_see_answers_a_500_naming_the_layer() {
    let app = App::empty().get("/", || async { "never" }).wrap(from_fn(
        |req: Request, _next: Next| async move {
            let (mut parts, _) = req.into_parts();
            match CsrfToken::from_request_parts(&mut parts).await {
                Ok(_) => StatusCode::OK.into_response(),
                Err(e) => e.into_response(),
            }
        },
    ));
    let res = TestClient::new(app).get("/").send().await;
    let body = support::problem(res, 500).await;
    assert_eq!(body["missing_layer"], "CsrfLayer");
    assert_eq!(body["extractor"], "CsrfToken");
}
