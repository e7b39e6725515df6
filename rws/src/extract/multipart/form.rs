//! Typed multipart forms (`#[derive(Deserialize, FromRequest)]` with [`UploadedFile`] fields):
//! text fields deserialized as an urlencoded form would be, files streamed to temp files.
//!
//! serde cannot carry a file, so each file field's value in the form is a token naming it,
//! and `UploadedFile`'s `Deserialize` takes the file the token names out of a registry that
//! lives on this thread for the one synchronous `deserialize` call. The token holds a random
//! nonce of the request, so a text field cannot pose as a file.

use std::cell::RefCell;
use std::fmt::Write as _;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer};

use super::{FileRules, Multipart, UploadedFile};
use crate::Request;
use crate::extract::FromRequest;
use crate::extract::field_path::FieldError;
use crate::extract::form::FormRejection;
use crate::response::{IntoResponse, Response};

const TOKEN: &str = "\u{0}rws-upload:";

struct Registry {
    nonce: String,
    files: Vec<Option<UploadedFile>>,
}

thread_local! {
    static REGISTRY: RefCell<Option<Registry>> = const { RefCell::new(None) };
}

/// Clears the registry however `deserialize` ends (the files left in it are dropped: removed).
struct Scope;

impl Drop for Scope {
    fn drop(&mut self) {
        REGISTRY.with(|r| r.borrow_mut().take());
    }
}

impl<'de> Deserialize<'de> for UploadedFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let token = String::deserialize(deserializer)?;
        let taken = token.strip_prefix(TOKEN).and_then(|rest| {
            let (nonce, index) = rest.split_once(':')?;
            let index: usize = index.parse().ok()?;
            REGISTRY.with(|r| {
                let mut r = r.borrow_mut();
                let registry = r.as_mut().filter(|reg| reg.nonce == nonce)?;
                registry.files.get_mut(index)?.take()
            })
        });
        taken.ok_or_else(|| {
            de::Error::custom("expected a file (a `multipart/form-data` part with a file name)")
        })
    }
}

/// A form field's name as the struct sees it: `tags[]` (the PHP/Rails habit) is `tags`.
fn key(name: &str) -> &str {
    name.strip_suffix("[]").unwrap_or(name)
}

/// Reads a multipart body into `T`: `rules` for the file fields that have some.
pub(crate) async fn multipart_form<T: DeserializeOwned>(
    req: Request,
    rules: &[(&str, FileRules)],
) -> Result<T, Response> {
    let mut multipart = Multipart::from_request(req)
        .await
        .map_err(IntoResponse::into_response)?;
    let nonce = format!("{:016x}", nonce());
    let mut form = String::new();
    let mut files = Vec::new();
    let no_rules = FileRules::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(IntoResponse::into_response)?
    {
        let name = key(field.name()).to_owned();
        let value = if field.is_file() {
            // A browser sends a file input left empty as a part with an empty file name.
            if field.file_name() == Some("") {
                let _ = field.bytes().await.map_err(IntoResponse::into_response)?;
                continue;
            }
            let rules = rules
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(&no_rules, |(_, r)| r);
            let file = field
                .to_temp_file_with(rules)
                .await
                .map_err(IntoResponse::into_response)?;
            files.push(Some(file));
            format!("{TOKEN}{nonce}:{}", files.len() - 1)
        } else {
            field.text().await.map_err(IntoResponse::into_response)?
        };
        if !form.is_empty() {
            form.push('&');
        }
        let _ = write!(
            form,
            "{}={}",
            percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC),
            percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC)
        );
    }
    REGISTRY.with(|r| *r.borrow_mut() = Some(Registry { nonce, files }));
    let _scope = Scope;
    let de = serde_html_form::Deserializer::from_bytes(form.as_bytes());
    serde_path_to_error::deserialize::<_, T>(de).map_err(|tracked| {
        let e = FieldError::new(tracked.path(), tracked.inner().to_string());
        FormRejection::invalid(e).into_response()
    })
}

/// 64 unpredictable bits: the request's token nonce.
fn nonce() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded from the OS once per process and varied per instance.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    hasher.finish()
}
