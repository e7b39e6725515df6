use rws::prelude::*;
use serde::Deserialize;

#[derive(Deserialize, FromRequest)]
struct Form {
    #[upload(max_bytes = 10)]
    file: UploadedFile,
}

fn main() {}
