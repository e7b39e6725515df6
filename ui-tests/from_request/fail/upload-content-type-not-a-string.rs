use rws::prelude::*;
use serde::Deserialize;

#[derive(Deserialize, FromRequest)]
struct Form {
    #[upload(content_types(image / png))]
    file: UploadedFile,
}

fn main() {}
