//! SIGHUP in a library app, sent to this very process: `Server::on_reload` swaps in a new app
//! for the requests that start afterwards while one in flight finishes on the old, a
//! `Reloadable` value is replaced under a running app, an app that does not build is refused,
//! and a server without a handler lives through the signal. (One test: the signal reaches
//! every server of the process.)

mod support;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rws::prelude::*;
use rws::reload::Reloadable;
use rws::server::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn hang_up() {
    let sent = Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
}

fn app(generation: usize, greeting: Reloadable<String>) -> App {
    App::empty()
        .state(greeting)
        .get(
            "/",
            move || async move { format!("generation {generation}") },
        )
        .get("/slow", move || async move {
            tokio::time::sleep(Duration::from_millis(800)).await;
            format!("slow from generation {generation}")
        })
        .get(
            "/greeting",
            |State(g): State<Reloadable<String>>| async move { g.get().to_string() },
        )
}

async fn get(client: &reqwest::Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// Polls `url` until it answers `expected` (the signal is handled asynchronously).
async fn until(client: &reqwest::Client, url: &str, expected: &str) {
    for _ in 0..500 {
        if get(client, url).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{url} never answered {expected:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_swaps_the_app_and_reloadable_values() {
    // A server without a reload handler: SIGHUP is logged and ignored.
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain_url = format!("http://{}/", plain.local_addr().unwrap());
    tokio::spawn(rws::serve(
        plain,
        App::empty().get("/", || async { "still here" }),
    ));

    let greeting = Reloadable::new("hello".to_owned());
    let generation = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = |path: &str| format!("http://{addr}{path}");
    let server = {
        let greeting = greeting.clone();
        let generation = Arc::clone(&generation);
        Server::new(app(0, greeting.clone())).on_reload(move || {
            let greeting = greeting.clone();
            let n = generation.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                greeting.set(format!("hello #{n}"));
                match n {
                    // The second reload brings an app that does not build: refused.
                    2 => Some(App::empty().get("/bad/:x/:x", || async { "" })),
                    _ => Some(app(n, greeting)),
                }
            }
        })
    };
    tokio::spawn(server.serve(listener));
    let client = reqwest::Client::new();
    until(&client, &url("/"), "generation 0").await;
    assert_eq!(get(&client, &plain_url).await, "still here");

    // A keep-alive connection of its own, and a slow request in flight across the signal.
    let mut kept = tokio::net::TcpStream::connect(addr).await.unwrap();
    let slow = tokio::spawn({
        let client = reqwest::Client::new();
        let url = url("/slow");
        async move { get(&client, &url).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    hang_up();
    until(&client, &url("/"), "generation 1").await;
    assert_eq!(get(&client, &url("/greeting")).await, "hello #1");
    assert_eq!(slow.await.unwrap(), "slow from generation 0");
    kept.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    kept.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.ends_with("generation 1"),
        "the open connection gets the new app: {answer}"
    );

    hang_up();
    // The refused app changes nothing, but the handler ran: its Reloadable was set.
    until(&client, &url("/greeting"), "hello #2").await;
    assert_eq!(get(&client, &url("/")).await, "generation 1");
    assert_eq!(get(&client, &plain_url).await, "still here");
}
