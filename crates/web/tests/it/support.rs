//! A `TestApp`: the whole router over a fresh database, two organisations with one
//! account per role each, and helpers to call it.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use linli_app::{App, FixedClock};
use linli_domain::auth::Role;
use linli_domain::ids::{LocationId, OrgId, StoreId};
use linli_store::{LocationKind, NewLocation, NewStaff, Store};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

/// 2026-11-25 10:00 Asia/Shanghai.
pub const NOW: i64 = 1_795_572_000_000;

pub struct TestApp {
    pub router: Router,
    pub store: Store,
    pub clock: Arc<FixedClock>,
    pub a: OrgFixture,
    pub b: OrgFixture,
    _dir: Option<tempfile::TempDir>,
}

pub struct OrgFixture {
    pub org: OrgId,
    pub store: StoreId,
    pub floor: LocationId,
    pub backroom: LocationId,
}

pub enum Backend {
    Sqlite,
    Postgres,
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        let (guard, url) = match backend {
            Backend::Sqlite => {
                let (dir, url) = linli_testkit::temp_sqlite_url();
                (Some(dir), url)
            }
            Backend::Postgres => (None, linli_testkit::fresh_pg_url()),
        };
        let store = Store::connect(&url).await.expect("store opens");
        let clock = Arc::new(FixedClock::new(NOW));
        let app = App::new(store.clone(), clock.clone());
        // One cheap hash for everyone: tests log in many times.
        let hash = linli_app::auth::hash_password("secret123").expect("hashing works");
        let mut orgs = Vec::new();
        for prefix in ["a", "b"] {
            let org = store.create_org(&format!("org {prefix}"), NOW).await.unwrap();
            let st = store.create_store(org, "S1", "店", "", None, NOW).await.unwrap();
            let floor = store
                .create_location(
                    org,
                    st,
                    &NewLocation {
                        code: &format!("{prefix}-floor"),
                        name_zh: "门店",
                        name_en: "Floor",
                        kind: LocationKind::SalesFloor,
                        lat_e6: None,
                        lon_e6: None,
                    },
                )
                .await
                .unwrap();
            let backroom = store
                .create_location(
                    org,
                    st,
                    &NewLocation {
                        code: &format!("{prefix}-back"),
                        name_zh: "后仓",
                        name_en: "Backroom",
                        kind: LocationKind::Backroom,
                        lat_e6: None,
                        lon_e6: None,
                    },
                )
                .await
                .unwrap();
            for role in Role::ALL {
                let username = format!("{prefix}_{}", role.code());
                store
                    .create_staff(
                        org,
                        &NewStaff {
                            store: Some(st),
                            username: &username,
                            display_name: role.name_zh(),
                            role,
                            password_hash: &hash,
                        },
                        None,
                        NOW,
                    )
                    .await
                    .unwrap();
            }
            orgs.push(OrgFixture {
                org,
                store: st,
                floor,
                backroom,
            });
        }
        let b = orgs.pop().unwrap();
        let a = orgs.pop().unwrap();
        let router = linli_web::router(linli_web::AppState::new(app, false));
        TestApp {
            router,
            store,
            clock,
            a,
            b,
            _dir: guard,
        }
    }

    pub async fn raw(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let resp = self.router.clone().oneshot(req).await.expect("the router answers");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("body reads")
            .to_bytes()
            .to_vec();
        (status, headers, body)
    }

    /// Calls the API; `body` None sends no body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call_with(method, path, token, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string()))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let (status, _, bytes) = self.raw(req).await;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, value)
    }

    pub async fn login(&self, username: &str) -> String {
        let (status, body) = self
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": username, "password": "secret123"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{username}: {body}");
        body["token"].as_str().expect("a token").to_string()
    }

    /// Creates a product as the owner of `org` ("a" or "b") and returns its id.
    pub async fn product(&self, token: &str, sku: &str, name: &str, extra: Value) -> i64 {
        let mut body = json!({"sku": sku, "name_zh": name, "unit": "瓶", "price_fen": 500, "shelf_life_days": 7});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        let (status, p) = self.call("POST", "/api/v1/products", Some(token), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{p}");
        p["id"].as_i64().unwrap()
    }
}

/// Asserts the one error shape and returns (code, field).
pub fn error_of(body: &Value) -> (String, Option<String>) {
    let e = &body["error"];
    assert!(
        e["message_zh"].as_str().is_some_and(|m| !m.is_empty()),
        "zh message in {body}"
    );
    assert!(
        e["message_en"].as_str().is_some_and(|m| !m.is_empty()),
        "en message in {body}"
    );
    (
        e["code"].as_str().unwrap_or("").to_string(),
        e["field"].as_str().map(String::from),
    )
}
