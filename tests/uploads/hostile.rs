//! Random truncations and boundary mutations of a valid body: never a panic, never a
//! hang, always a 4xx (every field of the form is required, so a lost part is a 422).
use super::*;
use proptest::prelude::*;

#[derive(Debug, Deserialize, FromRequest)]
#[allow(dead_code)]
struct Strict {
    a: String,
    b: String,
    file: UploadedFile,
}

fn valid() -> Vec<u8> {
    body(&[
        ("a", None, None, b"first value"),
        (
            "file",
            Some("f.bin"),
            Some("application/octet-stream"),
            &[7u8; 300],
        ),
        ("b", None, None, b"second"),
    ])
}

fn run(bytes: Vec<u8>) -> StatusCode {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = TestClient::new(App::new().post("/", |_: Strict| async { "ok" }));
        tokio::time::timeout(Duration::from_secs(10), post(&client, "/", bytes))
            .await
            .expect("no hang")
            .status()
    })
}

#[test]
fn the_valid_body_passes() {
    assert_eq!(run(valid()), StatusCode::OK);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn truncations_are_4xx(cut in 0usize..1000) {
        let full = valid();
        // Anything short of the close delimiter's `--`.
        let end = full.len() - 4;
        let status = run(full[..cut % end].to_vec());
        prop_assert!(status.is_client_error(), "{status}");
    }

    #[test]
    fn boundary_mutations_are_4xx(which in 0usize..4, at in 0usize..64, byte in any::<u8>()) {
        let full = valid();
        let marker = format!("--{BOUNDARY}");
        let starts: Vec<usize> = full
            .windows(marker.len())
            .enumerate()
            .filter(|(_, w)| *w == marker.as_bytes())
            .map(|(i, _)| i)
            .collect();
        let start = starts[which % starts.len()];
        let pos = start + at % marker.len();
        prop_assume!(full[pos] != byte);
        let mut mutated = full.clone();
        mutated[pos] = byte;
        let status = run(mutated);
        prop_assert!(status.is_client_error(), "{status}");
    }
}
