//! Route lookup allocates nothing for up to eight parameters: counted exactly by a counting
//! global allocator (dhat), not timed.

use rws::router::Router;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

#[test]
fn lookup_allocates_nothing_up_to_eight_params() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let mut router = Router::new();
    let routes = [
        "/",
        "/users",
        "/users/:id",
        "/users/:id/posts/:post",
        "/repos/:owner/:repo/issues/:number/comments/:comment",
        "/a/:p1/:p2/:p3/:p4/:p5/:p6/:p7/:p8",
        "/static/*path",
        "/users/new/edit",
    ];
    for r in routes {
        router.insert(r, r).unwrap();
    }
    let paths = [
        ("/", 0),
        ("/users", 0),
        ("/users/42", 1),
        ("/users/new/posts/7", 2),
        ("/repos/rws/rws/issues/3/comments/9", 4),
        ("/a/1/2/3/4/5/6/7/8", 8),
        ("/static/css/site.css", 1),
        ("/users/new/edit", 0),
    ];
    let before = dhat::HeapStats::get();
    for (path, params) in paths {
        let m = router.at(path).unwrap();
        assert_eq!(m.params.len(), params, "{path}");
        assert!(m.params.iter().all(|(_, v)| !v.is_empty()));
        std::hint::black_box(&m);
    }
    assert!(router.at("/nowhere").is_none());
    let after = dhat::HeapStats::get();
    assert_eq!(
        after.total_blocks - before.total_blocks,
        0,
        "lookups allocated"
    );
}
