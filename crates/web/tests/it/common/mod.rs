//! Test harness: the real server on port 0, a browser-like client that keeps cookies and
//! repeats the CSRF token the way the pages do.

#![allow(dead_code)]

pub mod live;

use std::collections::HashMap;
use std::sync::Mutex;

use kefu_core::Role;
use kefu_service::mail::delivery::NoTransport;
use kefu_store::people::{self, NewPerson, Person};
use kefu_store::testing::TestDb;
use kefu_web::{AppState, RouteInfo, WebConfig};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const PASSWORD: &str = "correct horse 电池";
pub const SETUP_CODE: &str = "24681357";

pub struct Server {
    pub url: String,
    pub state: AppState,
    pub routes: Vec<RouteInfo>,
    pub t: TestDb,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _bus: tokio::sync::watch::Sender<bool>,
    uploads: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = std::fs::remove_dir_all(&self.uploads);
    }
}

pub async fn start(t: TestDb) -> Server {
    start_with(t, |_| {}).await
}

pub async fn start_with(t: TestDb, tweak: impl FnOnce(&mut WebConfig)) -> Server {
    let db = t.db.clone();
    start_instance(t, db, tweak).await
}

/// Another instance on the same database as `first` (PostgreSQL: several instances).
pub async fn second_instance(first: &Server) -> Server {
    let t = kefu_store::testing::TestDb::sharing(&first.t).await;
    let db = t.db.clone();
    start_instance(t, db, |_| {}).await
}

pub async fn start_instance(
    t: TestDb,
    db: kefu_store::Db,
    tweak: impl FnOnce(&mut WebConfig),
) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let uploads = std::env::temp_dir().join(format!("kefu-uploads-{}", kefu_core::id::new_id()));
    let mut config = WebConfig {
        public_url: format!("http://{addr}"),
        uploads_dir: uploads.clone(),
        ..WebConfig::default()
    };
    tweak(&mut config);
    let state = AppState::new(db, config, Some(SETUP_CODE.into()));
    let (bus, bus_rx) = tokio::sync::watch::channel(false);
    kefu_service::workers::start(
        &state,
        kefu_service::workers::Mail::<NoTransport>::Off,
        bus_rx,
    );
    // Like a load balancer's health check: wait until the instance is ready (on PostgreSQL,
    // its event listener is connected).
    if state.db.backend() == kefu_store::Backend::Postgres {
        for _ in 0..250 {
            if state
                .metrics
                .events_ok
                .load(std::sync::atomic::Ordering::Relaxed)
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    let (router, routes) = kefu_web::app(state.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(kefu_web::serve(listener, router, async {
        let _ = rx.await;
    }));
    Server {
        url: format!("http://{addr}"),
        state,
        routes,
        t,
        stop: Some(tx),
        _bus: bus,
        uploads,
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    pub fn location(&self) -> String {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

/// A browser: keeps cookies, never follows redirects (tests look at them).
pub struct Browser {
    pub base: String,
    http: reqwest::Client,
    pub cookies: Mutex<HashMap<String, String>>,
    pub extra_headers: Vec<(String, String)>,
}

impl Browser {
    pub fn new(server: &Server) -> Browser {
        Browser {
            base: server.url.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Mutex::new(HashMap::new()),
            extra_headers: vec![],
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn session(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .get("kefu_session")
            .cloned()
            .unwrap_or_default()
    }

    pub fn csrf(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .get("kefu_csrf")
            .cloned()
            .unwrap_or_default()
    }

    pub fn has_session(&self) -> bool {
        self.cookies
            .lock()
            .unwrap()
            .get("kefu_session")
            .is_some_and(|v| !v.is_empty())
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let mut req = req.header("cookie", self.cookie_header());
        for (k, v) in &self.extra_headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        for v in headers.get_all("set-cookie") {
            let s = v.to_str().unwrap();
            let pair = s.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            let mut jar = self.cookies.lock().unwrap();
            if v.is_empty() || s.contains("Max-Age=0") {
                jar.remove(k);
            } else {
                jar.insert(k.to_string(), v.to_string());
            }
        }
        let body = resp.text().await.unwrap();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.req(Method::GET, path)).await
    }

    /// Posts a form the way the page does: with the CSRF token from the cookie.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        if self.csrf().is_empty() {
            self.get("/login").await;
        }
        let mut all: Vec<(&str, String)> =
            fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
        all.push(("_csrf", self.csrf()));
        self.send(self.req(Method::POST, path).form(&all)).await
    }

    /// Calls the API as a signed-in browser script: JSON with the CSRF header.
    pub async fn api(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        if self.csrf().is_empty() {
            self.get("/login").await;
        }
        let mut r = self.req(method, path).header("x-csrf-token", self.csrf());
        if let Some(b) = body {
            r = r.json(&b);
        }
        self.send(r).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Resp {
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }
}

/// A staff member or verified customer made directly in the store.
pub async fn person(server: &Server, email: &str, role: Role) -> Person {
    let hash = kefu_web::auth::hash_password(PASSWORD).await.unwrap();
    let mut tx = server.t.db.begin().await.unwrap();
    let u = people::insert(
        &mut tx,
        &NewPerson {
            role: Some(role),
            email: email.into(),
            name: email.split('@').next().unwrap().into(),
            password_hash: Some(hash),
            verified: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    u
}

/// Signs a new browser in as `email`.
pub async fn signed_in(server: &Server, email: &str) -> Browser {
    let b = Browser::new(server);
    let r = b.login(email, PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "login of {email} failed: {}",
        r.body
    );
    b
}

/// The token from the newest mail in the outbox to `to` whose link contains `path`.
pub async fn mailed_token(server: &Server, to: &str, path: &str) -> String {
    let mails = kefu_store::outbox::list(&server.t.db, 500).await.unwrap();
    let mail = mails
        .iter()
        .find(|m| m.to_addr.eq_ignore_ascii_case(to) && m.body_text.contains(path))
        .unwrap_or_else(|| panic!("no mail to {to} with {path}"));
    let at = mail.body_text.find("token=").unwrap() + "token=".len();
    mail.body_text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

pub async fn mails_to(server: &Server, to: &str) -> usize {
    kefu_store::outbox::list(&server.t.db, 5000)
        .await
        .unwrap()
        .iter()
        .filter(|m| m.to_addr.eq_ignore_ascii_case(to))
        .count()
}
