//! The real binary serves on either backend and answers its health check.

use crate::server::Server;
use serde_json::json;

async fn check(server: &Server) {
    let client = reqwest::Client::new();
    let health = client.get(format!("{}/healthz", server.base)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let password = server
        .owner_password
        .clone()
        .expect("a fresh store prints the owner's password");
    let login = client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"username": "owner", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let page = client.get(format!("{}/login", server.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("邻里"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_embedded_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    check(&server).await;
    assert!(
        dir.path().join("linli.sqlite3").exists(),
        "the database lives in --data-dir"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_postgres_with_database_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = linli_testkit::fresh_pg_url();
    let server = Server::start(dir.path(), &["--database-url", &url]);
    check(&server).await;
    assert!(
        !dir.path().join("linli.sqlite3").exists(),
        "no SQLite file when PostgreSQL is used"
    );
}
