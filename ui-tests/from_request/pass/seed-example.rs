//! The seed's `derive(FromRequest)` example and every field source compile.

use rws::prelude::*;

#[derive(FromRequest)]
struct AuthPayload {
    #[from_header("Authorization")]
    token: BearerToken,
    #[from_query("locale")]
    locale: Option<String>,
}

#[derive(Clone)]
struct Config;

#[derive(FromRequest)]
#[allow(dead_code)]
struct Everything {
    #[from_path("id")]
    id: u64,
    #[from_cookie("session")]
    session: Option<String>,
    #[from_state]
    config: Config,
    #[from_body]
    body: Json<serde_json::Value>,
    headers: HeaderMap,
}

#[derive(FromRequest, serde::Deserialize)]
#[allow(dead_code)]
struct WholeBody {
    name: String,
}

#[rws::get("/me")]
async fn me(auth: AuthPayload) -> String {
    format!("{} {:?}", auth.token.as_str(), auth.locale)
}

#[rws::post("/things/:id")]
async fn things(_: Everything) -> StatusCode {
    StatusCode::OK
}

#[rws::post("/whole")]
async fn whole(_: WholeBody) -> StatusCode {
    StatusCode::OK
}
