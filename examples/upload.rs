//! File uploads: a page with a form (a title, tags, several files) that shows the upload's
//! progress, a typed multipart form on the server, and the list of what has been stored.
//!
//! ```sh
//! cargo run --example upload --features multipart    # then open http://127.0.0.1:3000
//! curl -F title=holiday -F tags[]=sea -F files=@photo.jpg http://127.0.0.1:3000/upload
//! ```
//!
//! Files go to `RWS_UPLOAD_DIR` (a directory made under the system's temp directory if unset),
//! each under a name of the server's choosing: a client's file name is only ever displayed.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rws::middleware::BodyLimitLayer;
use rws::prelude::*;
use serde::{Deserialize, Serialize};

/// One stored file, as the listing shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Stored {
    /// The server's name for it (its file name in the upload directory).
    pub id: String,
    /// The form's title.
    pub title: String,
    /// The client's file name, for display only.
    pub file_name: String,
    /// Bytes.
    pub size: u64,
    /// What the client declared.
    pub content_type: String,
    /// The form's tags.
    pub tags: Vec<String>,
}

/// What has been stored so far.
#[derive(Debug, Clone, Default)]
pub struct Library(Arc<Mutex<Vec<Stored>>>);

/// The form: `title`, any number of `tags[]`, and one or more `files`.
#[derive(Debug, Deserialize, Validate, FromRequest)]
pub struct UploadForm {
    /// 1 to 100 characters.
    #[validate(length(min = 1, max = 100))]
    pub title: String,
    /// Any number of `tags[]` (none is none).
    #[serde(default)]
    pub tags: Vec<String>,
    /// At most 100 MiB each.
    #[upload(max_size = 100 * 1024 * 1024)]
    pub files: Vec<UploadedFile>,
}

/// 200 MiB of body in all, 100 MiB per file, 64 parts.
pub const BODY_LIMIT: usize = 200 * 1024 * 1024;

async fn upload(
    State(library): State<Library>,
    headers: HeaderMap,
    form: UploadForm,
) -> Result<Response, Error> {
    if form.files.is_empty() {
        return Err(Error::unprocessable_entity("choose at least one file"));
    }
    let mut stored = Vec::new();
    for file in form.files {
        // Our name for it; the client's is kept for display only.
        let id = uuid::Uuid::now_v7().simple().to_string();
        let entry = Stored {
            id: id.clone(),
            title: form.title.clone(),
            file_name: file.file_name().unwrap_or("unnamed").to_owned(),
            size: file.size(),
            content_type: file
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned(),
            tags: form.tags.clone(),
        };
        file.persist(&id)?;
        stored.push(entry);
    }
    if let Ok(mut all) = library.0.lock() {
        all.extend(stored.iter().cloned());
    }
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        return Ok(Json(stored).into_response());
    }
    let items: String = stored.iter().map(item).collect();
    Ok(Html(format!(
        "<!doctype html><title>Stored</title><h1>Stored {} file(s)</h1><ul id=\"stored\">{items}</ul><a href=\"/\">back</a>",
        stored.len()
    ))
    .into_response())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn item(s: &Stored) -> String {
    format!(
        "<li data-size=\"{}\">{} — {} ({} bytes, {}){}</li>",
        s.size,
        escape(&s.title),
        escape(&s.file_name),
        s.size,
        escape(&s.content_type),
        if s.tags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", escape(&s.tags.join(", ")))
        }
    )
}

async fn files(State(library): State<Library>) -> Json<Vec<Stored>> {
    Json(library.0.lock().map(|all| all.clone()).unwrap_or_default())
}

/// The upload page.
pub const PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rws uploads</title>
<style>body{font:16px system-ui;max-width:40rem;margin:2rem auto}progress{width:100%}</style></head>
<body>
<h1>Upload files</h1>
<form id="form" action="/upload" method="post" enctype="multipart/form-data">
  <p><label>Title <input name="title" required maxlength="100"></label></p>
  <p><label><input type="checkbox" name="tags[]" value="work"> work</label>
     <label><input type="checkbox" name="tags[]" value="family"> family</label></p>
  <p><input id="files" type="file" name="files" multiple required></p>
  <p><button>Upload</button></p>
  <progress id="progress" max="100" value="0" hidden></progress>
  <p id="status"></p>
</form>
<h2>Stored</h2><ul id="list"></ul>
<script>
const list = document.getElementById('list');
async function refresh() {
  const files = await (await fetch('/files')).json();
  list.replaceChildren(...files.map(f => {
    const li = document.createElement('li');
    li.textContent = `${f.title} — ${f.file_name} (${f.size} bytes)`;
    return li;
  }));
}
document.getElementById('form').addEventListener('submit', e => {
  e.preventDefault();
  const bar = document.getElementById('progress'), status = document.getElementById('status');
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/upload');
  xhr.setRequestHeader('Accept', 'application/json');
  bar.hidden = false;
  xhr.upload.onprogress = p => { if (p.lengthComputable) bar.value = 100 * p.loaded / p.total; };
  xhr.onload = () => {
    status.textContent = xhr.status === 200 ? 'stored' : JSON.parse(xhr.responseText).detail;
    refresh();
  };
  xhr.send(new FormData(e.target));
});
refresh();
</script>
</body></html>"#;

/// Where files are stored: `RWS_UPLOAD_DIR`, or a new directory under the temp directory.
pub fn upload_dir() -> std::io::Result<PathBuf> {
    let dir = match std::env::var_os("RWS_UPLOAD_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir().join(format!("rws-uploads-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The app, storing into `dir`.
pub fn app(dir: PathBuf) -> App {
    App::new()
        .state(Library::default())
        .get("/", || async { Html(PAGE) })
        .get("/files", files)
        .post(
            "/upload",
            upload
                .with(BodyLimitLayer::new(BODY_LIMIT))
                .with(MultipartLimits::new().max_fields(64).upload_dir(dir)),
        )
}

#[allow(dead_code)]
#[rws::main]
async fn main() -> Result<(), rws::ServeError> {
    let dir = upload_dir()?;
    // The rws server's own settings: RWS_CONFIG_ADDRESS, RWS_CONFIG_PORT, limits, timeouts…
    let vars = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    let config = match rws::config::Loader::new().env(vars).load() {
        Ok(loaded) => loaded.config,
        Err(e) => {
            eprintln!("upload: invalid configuration:\n{e}");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(config.socket_addr()).await?;
    println!(
        "uploads on http://{}, stored in {}",
        listener.local_addr()?,
        dir.display()
    );
    rws::server::Server::new(app(dir))
        .limits(config.server_limits())
        .serve(listener)
        .await
}
