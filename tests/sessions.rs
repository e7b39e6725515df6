//! Sessions: created on first write only, saved only when changed, ids cycled on login (a
//! planted id is worthless), idle and absolute expiry, destroy, cookie attributes, a failing
//! store, and the older hand-managed API.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rws::prelude::*;
use rws::session::{
    MemoryStore, Session, SessionLayer, SessionRecord, SessionStore, StoreError, destroy_cookie,
    session_id_from_request,
};

/// A memory store that counts writes, and can be made to fail.
#[derive(Clone, Default)]
struct Counting {
    inner: MemoryStore,
    saves: Arc<AtomicUsize>,
    broken: Arc<std::sync::atomic::AtomicBool>,
}

impl SessionStore for Counting {
    async fn load_record(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        if self.broken.load(Ordering::Relaxed) {
            return Err(StoreError::new("down"));
        }
        self.inner.load_record(id).await
    }
    async fn save_record(&self, id: &str, record: &SessionRecord) -> Result<(), StoreError> {
        self.saves.fetch_add(1, Ordering::Relaxed);
        self.inner.save_record(id, record).await
    }
    async fn delete_record(&self, id: &str) -> Result<(), StoreError> {
        self.inner.delete_record(id).await
    }
}

fn app(
    store: Counting,
    layer: impl FnOnce(SessionLayer<Counting>) -> SessionLayer<Counting>,
) -> App {
    App::empty()
        .get("/whoami", |session: Session| async move {
            session
                .get::<String>("user")
                .unwrap_or_else(|| "anonymous".into())
        })
        .post(
            "/login/:user",
            |session: Session, Path(user): Path<String>| async move {
                session.cycle_id();
                session.insert("user", user)?;
                Ok::<_, Error>("ok")
            },
        )
        .post("/note", |session: Session| async move {
            let n = session.get::<u32>("notes").unwrap_or(0) + 1;
            session.insert("notes", n)?;
            Ok::<_, Error>(n.to_string())
        })
        .post("/logout", |session: Session| async move {
            session.destroy();
            "bye"
        })
        .post("/clear", |session: Session| async move {
            session.clear();
            "cleared"
        })
        .wrap(layer(SessionLayer::new(store)))
}

fn session_cookie(res: &rws::TestResponse) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("rws_session="))
}

/// Sends `method path` with the session cookie `id`.
async fn as_session(
    client: &TestClient,
    method: Method,
    path: &str,
    id: &str,
) -> rws::TestResponse {
    client
        .request(method, path)
        .header("cookie", format!("rws_session={id}"))
        .send()
        .await
}

fn id_of(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("rws_session=")
        .to_owned()
}

#[tokio::test]
async fn a_session_starts_at_the_first_write_and_is_saved_only_when_changed() {
    let store = Counting::default();
    let client = TestClient::new(app(store.clone(), |l| l));
    let res = client.get("/whoami").send().await;
    assert!(session_cookie(&res).is_none(), "reading makes no session");
    assert_eq!(res.text().await, "anonymous");
    assert_eq!(store.saves.load(Ordering::Relaxed), 0);

    let res = client.post("/login/ada").send().await;
    let cookie = session_cookie(&res).expect("login sets the cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=3600"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "not on a plain connection: {cookie}"
    );
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let id = id_of(&cookie);
    assert_eq!(id.len(), 43, "256 bits of base64url");
    assert_eq!(store.saves.load(Ordering::Relaxed), 1);

    let whoami = as_session(&client, Method::GET, "/whoami", &id).await;
    assert!(
        session_cookie(&whoami).is_none(),
        "an unchanged session is not re-sent"
    );
    assert_eq!(whoami.text().await, "ada");
    assert_eq!(
        store.saves.load(Ordering::Relaxed),
        1,
        "reads write nothing"
    );

    let note = as_session(&client, Method::POST, "/note", &id).await;
    assert_eq!(note.text().await, "1");
    assert_eq!(store.saves.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn login_cycles_the_id_so_a_planted_one_is_worthless() {
    let store = Counting::default();
    let client = TestClient::new(app(store.clone(), |l| l));
    // The attacker gets a session of their own and plants its id in the victim's browser.
    let planted = id_of(&session_cookie(&client.post("/note").send().await).unwrap());
    let login = as_session(&client, Method::POST, "/login/victim", &planted).await;
    let fresh = id_of(&session_cookie(&login).unwrap());
    assert_ne!(fresh, planted, "login gives a new id");
    // The planted id does not see the login; the new one does, with the earlier values.
    let attacker = as_session(&client, Method::GET, "/whoami", &planted).await;
    assert_eq!(attacker.text().await, "anonymous");
    let victim = as_session(&client, Method::POST, "/note", &fresh).await;
    assert_eq!(victim.text().await, "2", "values survive the new id");
    // Ids that are not ours never reach the store.
    let forged = client
        .get("/whoami")
        .header("cookie", "rws_session=../../etc/passwd")
        .send()
        .await;
    assert_eq!(forged.text().await, "anonymous");
}

#[tokio::test]
async fn logout_destroys_the_session_and_removes_the_cookie() {
    let client = TestClient::new(app(Counting::default(), |l| l));
    let id = id_of(&session_cookie(&client.post("/login/ada").send().await).unwrap());
    let res = as_session(&client, Method::POST, "/logout", &id).await;
    let removal = session_cookie(&res).unwrap();
    assert!(removal.contains("Max-Age=0"), "{removal}");
    let after = as_session(&client, Method::GET, "/whoami", &id).await;
    assert_eq!(after.text().await, "anonymous");

    // Clearing every value deletes the session too.
    let id = id_of(&session_cookie(&client.post("/login/bob").send().await).unwrap());
    let res = as_session(&client, Method::POST, "/clear", &id).await;
    assert!(session_cookie(&res).unwrap().contains("Max-Age=0"));
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_absolute_deadline() {
    let store = Counting::default();
    let client = TestClient::new(app(store.clone(), |l| l.idle(Duration::from_secs(1))));
    let id = id_of(&session_cookie(&client.post("/login/ada").send().await).unwrap());
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let res = as_session(&client, Method::GET, "/whoami", &id).await;
    assert_eq!(res.text().await, "anonymous", "idle past its deadline");

    // Active, but past the absolute deadline: gone all the same.
    let client = TestClient::new(app(Counting::default(), |l| {
        l.idle(Duration::from_secs(60))
            .absolute(Duration::from_secs(1))
    }));
    let cookie = session_cookie(&client.post("/login/ada").send().await).unwrap();
    assert!(cookie.contains("Max-Age=1"), "{cookie}");
    let id = id_of(&cookie);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let res = as_session(&client, Method::GET, "/whoami", &id).await;
    assert_eq!(res.text().await, "anonymous", "past its absolute deadline");
}

#[tokio::test]
async fn a_failing_store_answers_503_rather_than_forgetting_the_user() {
    let store = Counting::default();
    let client = TestClient::new(app(store.clone(), |l| l));
    let id = id_of(&session_cookie(&client.post("/login/ada").send().await).unwrap());
    store.broken.store(true, Ordering::Relaxed);
    let res = as_session(&client, Method::GET, "/whoami", &id).await;
    support::problem(res, 503).await;
}

#[tokio::test]
async fn the_cookie_is_secure_on_tls_or_when_told() {
    let client = TestClient::new(app(Counting::default(), |l| l.secure(true)));
    let cookie = session_cookie(&client.post("/login/ada").send().await).unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn the_memory_store_is_bounded_and_purges_expired_sessions() {
    let store = MemoryStore::new(3600).with_capacity(2);
    for user in ["a", "b", "c"] {
        let mut s = store.create();
        s.set("user", user);
        store.save(&s);
    }
    assert_eq!(store.len(), 2, "the capacity holds");

    // When full, the session idle longest makes room: a session saved again is kept.
    let store = MemoryStore::new(3600).with_capacity(3);
    let saved = |user: &str| {
        let mut s = store.create();
        s.set("user", user);
        store.save(&s);
        s
    };
    let (ann, bob, cat) = (saved("a"), saved("b"), saved("c"));
    store.save(&ann);
    let dan = saved("d");
    assert!(store.load(&bob.id).is_none(), "b was idle longest");
    for kept in [&ann, &cat, &dan] {
        assert!(store.load(&kept.id).is_some(), "{kept:?}");
    }
    // A large sharded store holds its capacity too, saving over and over.
    let big = MemoryStore::new(3600).with_capacity(1000);
    let ids: Vec<_> = (0..3000).map(|_| big.create()).collect();
    for (i, s) in ids.iter().enumerate() {
        big.save(s);
        big.save(&ids[i / 2]);
    }
    assert!(
        big.len() <= 1000 && big.len() > 900,
        "{} sessions",
        big.len()
    );
    assert!(big.load(&ids[2999].id).is_some(), "the newest is kept");

    let short = MemoryStore::new(0);
    let s = short.create();
    short.save(&s);
    assert!(short.load(&s.id).is_none(), "expired at once");
    assert_eq!(short.purge_expired(), 1);
    assert!(short.is_empty());
}

#[test]
fn the_seed_api_round_trips() {
    let sessions = MemoryStore::new(3600);
    let mut session = sessions.create();
    session.set("user_id", "42");
    sessions.save(&session);
    let cookie = rws::session::session_cookie(&session.id, "sid", 3600);
    let req = http::Request::get("/profile")
        .header("cookie", cookie.split(';').next().unwrap())
        .body(())
        .unwrap();
    let sid = session_id_from_request(&req, "sid").unwrap();
    assert_eq!(sessions.load(&sid).unwrap().get("user_id"), Some("42"));
    sessions.destroy(&sid);
    assert!(sessions.load(&sid).is_none());
    assert!(destroy_cookie("sid").contains("Max-Age=0"));
}

#[tokio::test]
async fn reads_near_the_absolute_deadline_write_nothing() {
    // The idle deadline can no longer move (the absolute one comes first): no refresh writes.
    let store = Counting::default();
    let client = TestClient::new(app(store.clone(), |l| {
        l.idle(Duration::from_secs(60))
            .absolute(Duration::from_secs(30))
    }));
    let id = id_of(&session_cookie(&client.post("/login/ada").send().await).unwrap());
    for _ in 0..3 {
        let res = as_session(&client, Method::GET, "/whoami", &id).await;
        assert!(session_cookie(&res).is_none());
        assert_eq!(res.text().await, "ada");
    }
    assert_eq!(
        store.saves.load(Ordering::Relaxed),
        1,
        "only the login wrote"
    );
}

#[tokio::test]
async fn an_aging_session_is_refreshed_once_a_quarter_of_its_idle_time_passed() {
    let store = Counting::default();
    let client = TestClient::new(app(store.clone(), |l| l.idle(Duration::from_secs(4))));
    let id = id_of(&session_cookie(&client.post("/login/ada").send().await).unwrap());
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let res = as_session(&client, Method::GET, "/whoami", &id).await;
    let cookie = session_cookie(&res).expect("the refreshed deadline goes out");
    assert_eq!(id_of(&cookie), id, "same session");
    assert_eq!(store.saves.load(Ordering::Relaxed), 2);
}
