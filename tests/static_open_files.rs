//! The bound on files held open by static responses (process-wide, so alone in this binary):
//! past it a request is answered 503 with `Retry-After`, and files are served again once the
//! responses holding them end.

use rws::prelude::*;

#[tokio::test]
async fn past_the_bound_static_responses_are_503_with_retry_after() {
    use http_body_util::BodyExt;
    let dir = std::env::temp_dir().join(format!("rws-open-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("big.bin"), vec![1u8; 1 << 20]).unwrap();
    rws::fs::set_max_open_files(3);
    assert_eq!(rws::fs::max_open_files(), 3);
    let service = App::empty().serve_dir("/", &dir).into_service();
    let get = || {
        service.dispatch(
            Request::builder()
                .uri("/big.bin")
                .body(Body::empty())
                .unwrap(),
        )
    };
    // Three responses streaming (bodies not read yet) hold the three places.
    let mut held = Vec::new();
    for _ in 0..3 {
        let res = get().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        held.push(res);
    }
    let refused = get().await.unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()["retry-after"], "1");
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    // One ends: its place is free again.
    let first = held.remove(0);
    assert_eq!(
        first.into_body().collect().await.unwrap().to_bytes().len(),
        1 << 20
    );
    assert_eq!(get().await.unwrap().status(), StatusCode::OK);
    let _ = std::fs::remove_dir_all(&dir);
}
