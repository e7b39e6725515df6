//! Sessions in a real Redis (Debian's `redis-server`, installed by `scripts/setup`, started
//! here on a free loopback port): records round-trip with Redis's own expiry, a session
//! outlives the server that made it, and Redis going away is a 503, not a logout.

mod support;

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rws::prelude::*;
use rws::session::{RedisStore, Session, SessionLayer, SessionRecord, SessionStore};
use support::redis::Redis;
use support::server::TestServer;

/// The `name=value` of the response's `Set-Cookie`.
fn cookie_pair(res: &reqwest::Response) -> String {
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_round_trip_and_expire_in_redis() {
    let redis = Redis::start().await;
    let store = RedisStore::connect(&redis.url).await.unwrap();
    let mut record = SessionRecord {
        created: now(),
        expires: now() + 1,
        ..SessionRecord::default()
    };
    record.data.insert("user".into(), "ada".into());
    let id = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    store.save_record(id, &record).await.unwrap();
    assert_eq!(store.load_record(id).await.unwrap(), Some(record.clone()));
    // Redis drops the key itself at the session's deadline.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(store.load_record(id).await.unwrap(), None);

    record.expires = now() + 60;
    store.save_record(id, &record).await.unwrap();
    store.delete_record(id).await.unwrap();
    assert_eq!(store.load_record(id).await.unwrap(), None);
}

fn app(store: RedisStore) -> App {
    App::empty()
        .post("/login", |session: Session| async move {
            session.cycle_id();
            session.insert("user", "ada")?;
            Ok::<_, Error>("ok")
        })
        .get("/whoami", |session: Session| async move {
            session
                .get::<String>("user")
                .unwrap_or_else(|| "anonymous".into())
        })
        .wrap(SessionLayer::new(store))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_outlives_the_server_that_made_it() {
    let redis = Redis::start().await;
    let client = reqwest::Client::new();
    let first = TestServer::start(app(RedisStore::connect(&redis.url).await.unwrap()), |s| s).await;
    let res = client.post(first.url("/login")).send().await.unwrap();
    let cookie = cookie_pair(&res);
    first.stop().await.unwrap();

    // A new server, a new connection: only Redis remembers.
    let second =
        TestServer::start(app(RedisStore::connect(&redis.url).await.unwrap()), |s| s).await;
    let res = client
        .get(second.url("/whoami"))
        .header("cookie", cookie.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), "ada");

    // Redis gone: the user is not silently logged out, the server says it cannot serve.
    drop(redis);
    let res = client
        .get(second.url("/whoami"))
        .header("cookie", cookie.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    // Requests without a session do not need Redis.
    let res = client.get(second.url("/whoami")).send().await.unwrap();
    assert_eq!(res.text().await.unwrap(), "anonymous");
}

/// The auth example's binary, as `cargo test --all-features` builds it beside the tests.
fn auth_example() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().and_then(std::path::Path::parent).unwrap();
    let path = debug.join("examples").join("auth");
    assert!(
        path.exists(),
        "{} is missing: run `cargo test --all-features` (it builds the examples)",
        path.display()
    );
    path
}

/// A running auth example, killed when dropped.
struct Example(Child);

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the auth example on `port` with sessions in `redis`; returns once it listens.
fn start_example(port: u16, redis: &Redis) -> Example {
    use std::io::BufRead;
    let mut example = Example(
        Command::new(auth_example())
            .env("RWS_CONFIG_PORT", port.to_string())
            .env(
                "AUTH_SECRET",
                "a secret shared by both processes, 32+ bytes",
            )
            .env("REDIS_URL", &redis.url)
            .env("RUST_LOG", "off")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = std::io::BufReader::new(example.0.stdout.take().unwrap()).lines();
    let banner: Vec<String> = (0..2).filter_map(|_| lines.next()?.ok()).collect();
    assert!(
        banner[0].starts_with("auth example on http://"),
        "{banner:?}"
    );
    assert!(
        banner
            .get(1)
            .is_some_and(|l| l.contains("sessions in Redis")),
        "the example was built without the redis feature: {banner:?}"
    );
    example
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_survives_a_restart_of_the_process() {
    let redis = Redis::start().await;
    let port = StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let first = start_example(port, &redis);
    let page = client.get(format!("{base}/")).send().await.unwrap();
    let csrf_cookie = cookie_pair(&page);
    let token = csrf_cookie.split_once('=').unwrap().1.to_owned();
    let login = client
        .post(format!("{base}/login"))
        .header("cookie", csrf_cookie.as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={token}&username=ada&password=lovelace"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let session = cookie_pair(&login);
    drop(first);

    let second = start_example(port, &redis);
    let page = client
        .get(format!("{base}/"))
        .header("cookie", format!("{csrf_cookie}; {session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    drop(second);
    assert!(page.contains("Hello, <b id=\"user\">ada</b>"), "{page}");
}
