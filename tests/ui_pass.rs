//! The compile-pass cases of the macros (`ui-tests/*/pass/`), compiled as modules of this test
//! binary with the rest of the workspace's build.
//!
//! They used to be trybuild `pass` cases. A single pass case makes trybuild `cargo build` (codegen)
//! every dependency of rws a second time in its own target directory; with compile-fail cases
//! only it runs `cargo check`, which is what those need. Here they also prove more than that they
//! compile: each case's routes are in the table `App::new()` collects.
#![allow(dead_code, clippy::unused_async, clippy::too_many_arguments)]

use rws::prelude::*;

#[path = "../ui-tests/from_request/pass/multipart-form.rs"]
mod from_request_multipart_form;
#[path = "../ui-tests/from_request/pass/seed-example.rs"]
mod from_request_seed_example;
#[path = "../ui-tests/route/pass/every-form.rs"]
mod route_every_form;
#[path = "../ui-tests/route/pass/seed-prelude.rs"]
mod route_seed_prelude;
#[path = "../ui-tests/validate/pass/every-rule.rs"]
mod validate_every_rule;

/// `METHOD pattern` of every route whose handler lives in `module` of this binary.
fn routes_of(app: &App, module: &str) -> Vec<String> {
    let prefix = format!("ui_pass::{module}::");
    app.routes()
        .into_iter()
        .filter(|r| r.handler.starts_with(&prefix))
        .map(|r| format!("{} {}", r.method, r.pattern))
        .collect()
}

#[test]
fn every_route_form_registers_each_of_its_methods() {
    let app = route_every_form::app();
    assert_eq!(
        routes_of(&app, "route_every_form"),
        [
            "GET /",
            "GET /health",
            "HEAD /health",
            "GET /users/:user",
            "POST /users",
            "PUT /users/:user/posts/:post",
            "PATCH /a/:user/b/:post",
            "DELETE /users/:user",
            "HEAD /files/*path",
            "OPTIONS /cors",
            "GET /seed/:id",
            "GET /optional",
            "GET /sixteen",
        ]
    );
}

#[test]
fn the_seed_s_prelude_attributes_register_and_leave_a_fn_named_get_alone() {
    route_seed_prelude::get();
    assert_eq!(
        routes_of(&App::new(), "route_seed_prelude"),
        [
            "GET /users/:id",
            "GET /seed/:id",
            "GET /a",
            "POST /a",
            "PUT /a",
            "PATCH /a",
            "DELETE /a",
            "HEAD /h",
            "OPTIONS /a",
        ]
    );
}

#[test]
fn derived_extractors_serve_as_handler_arguments() {
    assert_eq!(
        routes_of(&App::new(), "from_request_seed_example"),
        ["GET /me", "POST /things/:id", "POST /whole"]
    );
    assert_eq!(
        routes_of(&App::new(), "validate_every_rule"),
        ["POST /everything"]
    );
}

#[test]
fn a_typed_multipart_form_is_a_handler_argument() {
    let listed = from_request_multipart_form::app()
        .routes()
        .into_iter()
        .any(|r| r.method == Method::POST && r.pattern == "/profile");
    assert!(
        listed,
        "the builder route with the multipart form is in the table"
    );
}
