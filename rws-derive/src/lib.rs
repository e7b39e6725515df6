//! Derive macros of the rws web framework.
//!
//! Users do not depend on this crate: `rws` re-exports the derives (`rws::FromRequest`) and the
//! generated code names only `::rws::…` paths.

mod from_request;
mod validate;

use proc_macro::TokenStream;

/// Builds an extractor from a struct's fields.
///
/// Fields marked `#[from_header("…")]`, `#[from_query("…")]`, `#[from_path("…")]` or
/// `#[from_cookie("…")]` are parsed with `FromStr` (`Option<T>` fields are optional; a missing
/// required one is a 400 naming the field and its source); a header field whose type
/// implements `rws::extract::FromHeader` (like `BearerToken`) keeps that type's own rejection; `#[from_state]` clones an app state
/// value; `#[from_body]` takes any body extractor; an unmarked field is any head extractor. A
/// struct with no field attributes is the body itself, JSON or urlencoded by `Content-Type`,
/// or (feature `multipart`) a `multipart/form-data` form whose `UploadedFile` fields
/// (`Option<…>`, `Vec<…>` too) are streamed to temp files; a trailing `[]` of a field name
/// (`tags[]`) is dropped, and `#[upload(max_size = …, content_types("image/png", "image/*"))]`
/// bounds a file field as it arrives (413 past the size, 415 for bytes of another type).
///
/// ```
/// use rws::prelude::*;
///
/// #[derive(FromRequest)]
/// struct AuthPayload {
///     #[from_header("Authorization")]
///     token: BearerToken,
///     #[from_query("locale")]
///     locale: Option<String>,
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let app = App::empty().get("/me", |a: AuthPayload| async move {
///     format!("{} {}", a.token.as_str(), a.locale.unwrap_or_default())
/// });
/// let client = TestClient::new(app);
/// let res = client.get("/me?locale=fr").header("authorization", "Bearer abc").send().await;
/// assert_eq!(res.text().await, "abc fr");
/// // BearerToken's own rejection: 401 with `WWW-Authenticate: Bearer`.
/// assert_eq!(client.get("/me").send().await.status(), StatusCode::UNAUTHORIZED);
/// # }
/// ```
#[proc_macro_derive(
    FromRequest,
    attributes(
        from_header,
        from_query,
        from_path,
        from_cookie,
        from_state,
        from_body,
        upload
    )
)]
pub fn derive_from_request(input: TokenStream) -> TokenStream {
    from_request::expand_with(input.into()).into()
}

/// Validation rules in the `validator` crate's syntax, checked by the `validator` crate through
/// rws: `length`, `range`, `email`, `url`, `contains`, `does_not_contain`, `must_match`, `regex`,
/// `custom`, `nested`, `required`, each with an optional `message` and `code`. `Option<T>` fields
/// are checked when present. A struct that also derives `FromRequest` is validated when
/// extracted; `Valid<E>` validates any other extractor.
///
/// ```
/// use rws::prelude::*;
/// use serde::Deserialize;
///
/// #[derive(Deserialize, Validate, FromRequest)]
/// struct CreateUser {
///     #[validate(length(min = 1, max = 50))]
///     name: String,
///     #[validate(email)]
///     email: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let client = TestClient::new(App::empty().post("/users", |u: CreateUser| async move { u.name }));
/// let bad = serde_json::json!({"name": "", "email": "nope"});
/// let res = client.post("/users").json(&bad).send().await;
/// assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
/// # }
/// ```
#[proc_macro_derive(Validate, attributes(validate))]
pub fn derive_validate(input: TokenStream) -> TokenStream {
    validate::expand_with(input.into()).into()
}
