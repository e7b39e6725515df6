//! `rws --config` with `[mcp] enabled = true`: the root's files as MCP resources, read by the
//! official Python SDK, never a file outside the root.

mod support;

use serde_json::json;
use support::bin::{Folder, Rws, rws};

#[tokio::test]
async fn the_binary_offers_its_root_s_files_and_nothing_outside() {
    let site = Folder::new("mcp-site");
    site.file("index.html", "<h1>home</h1>")
        .file("docs/guide.txt", "read me first")
        .file("docs/a b.txt", "spaced")
        .file(".secret", "hidden")
        .file("logo.png", [0x89_u8, b'P', b'N', b'G', 0xff]);
    let outside = Folder::new("mcp-outside");
    outside.file("private.txt", "not for agents");
    let config = Folder::new("mcp-config");
    config.file(
        "rws.config.toml",
        format!(
            "root = {:?}\n[mcp]\nenabled = true\n",
            site.0.display().to_string()
        ),
    );
    let path = config.0.join("rws.config.toml");
    let server = Rws::start_with(rws().arg("--config").arg(&path));
    let seen = support::peer(
        "mcp_client.py",
        [
            server.at("/mcp"),
            "modern".to_owned(),
            json!([
                ["list_resources"],
                ["list_resource_templates"],
                ["read_resource", "file:///docs/guide.txt"],
                ["read_resource", "file:///docs/a%20b.txt"],
                ["read_resource", "file:///logo.png"],
                ["read_resource", "file:///../mcp-outside/private.txt"],
                ["read_resource", "file:///%2e%2e/mcp-outside/private.txt"],
                ["read_resource", "file:///.secret"]
            ])
            .to_string(),
        ],
    )
    .await;
    let results = seen["results"].as_array().expect("results");
    let uris: Vec<&str> = results[0]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["uri"].as_str())
        .collect();
    assert_eq!(
        uris,
        [
            "file:///docs/a%20b.txt",
            "file:///docs/guide.txt",
            "file:///index.html",
            "file:///logo.png"
        ]
    );
    assert_eq!(
        results[1]["resourceTemplates"][0]["uriTemplate"],
        "file:///{+path}"
    );
    let guide = &results[2]["contents"][0];
    assert_eq!(guide["text"], "read me first");
    assert_eq!(guide["mimeType"], "text/plain");
    assert_eq!(results[3]["contents"][0]["text"], "spaced");
    let logo = &results[4]["contents"][0];
    assert_eq!(logo["mimeType"], "image/png");
    assert_eq!(logo["blob"], "iVBOR/8=");
    // Out of the root, by dots plain or escaped, or hidden: an error, never the file.
    for refused in &results[5..] {
        assert!(refused.get("error").is_some(), "{refused}");
        assert!(!refused.to_string().contains("not for agents"), "{refused}");
        assert!(!refused.to_string().contains("hidden"), "{refused}");
    }
}
