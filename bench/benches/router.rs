//! Route lookup in the GitHub API table: rws's router against matchit, same table, same run.
//!
//! `cargo bench -p rws-bench --bench router`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rws_bench::github::{PATHS, ROUTES, to_matchit};

fn routers() -> (rws::router::Router<usize>, matchit::Router<usize>) {
    let mut ours = rws::router::Router::new();
    let mut theirs = matchit::Router::new();
    for (i, r) in ROUTES.iter().enumerate() {
        ours.insert(r, i).expect("rws accepts the GitHub table");
        theirs
            .insert(to_matchit(r), i)
            .expect("matchit accepts the GitHub table");
    }
    // Both must agree before their speed means anything.
    for (i, p) in PATHS.iter().enumerate() {
        assert_eq!(*ours.at(p).expect("rws matches").value, i, "{p}");
        assert_eq!(*theirs.at(p).expect("matchit matches").value, i, "{p}");
    }
    (ours, theirs)
}

/// One static, one one-param, one two-param and one wildcard path, like the matchit figures the router is held to (~17/31/46 ns).
const SINGLES: &[(&str, &str)] = &[
    ("static", "/user/repos"),
    ("one_param", "/users/ada"),
    ("two_params", "/repos/rust-lang/rust/pulls"),
    ("wildcard", "/repos/rust-lang/rust/contents/src/lib.rs"),
];

fn bench(c: &mut Criterion) {
    let (ours, theirs) = routers();

    let mut all = c.benchmark_group(format!("github_all_{}_paths", PATHS.len()));
    all.bench_function("rws", |b| {
        b.iter(|| {
            for p in PATHS {
                black_box(ours.at(black_box(p)));
            }
        });
    });
    all.bench_function("matchit", |b| {
        b.iter(|| {
            for p in PATHS {
                let _ = black_box(theirs.at(black_box(p)));
            }
        });
    });
    all.finish();

    for (name, path) in SINGLES {
        let mut g = c.benchmark_group(*name);
        g.bench_function("rws", |b| b.iter(|| black_box(ours.at(black_box(path)))));
        g.bench_function("matchit", |b| {
            b.iter(|| black_box(theirs.at(black_box(path))));
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
