//! A typed multipart form: files, an optional file, a repeated text field, and the `#[upload]` rules.

use rws::prelude::*;
use serde::Deserialize;

#[derive(Deserialize, FromRequest)]
#[allow(dead_code)]
struct Profile {
    name: String,
    #[upload(max_size = 2 * 1024 * 1024, content_types("image/png", "image/*"), name = "picture")]
    avatar: UploadedFile,
    extra: Option<UploadedFile>,
    #[serde(default)]
    tags: Vec<String>,
}

async fn save(profile: Profile) -> String {
    profile.name
}

pub(crate) fn app() -> App {
    App::new().post("/profile", save)
}
