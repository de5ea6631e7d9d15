//! A database that goes away: requests get 503, the server keeps running, and it recovers
//! when the database returns. PostgreSQL only: the embedded database cannot go away.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aims_core::access::Role;
use aims_server::{AppState, FixedClock, ServerConfig};
use aims_store::{Store, StoreOptions};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use tokio::net::{TcpListener, TcpStream};

use crate::support::*;

/// A TCP proxy to PostgreSQL that can be switched off: it then stops listening (new
/// connections are refused, as with a stopped server) and cuts every open connection.
struct Switch {
    up: Arc<AtomicBool>,
    port: u16,
    listener: Option<tokio::task::JoinHandle<()>>,
    target: String,
}

impl Switch {
    async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut switch = Switch {
            up: Arc::new(AtomicBool::new(true)),
            port,
            listener: None,
            target: target.into(),
        };
        switch.listener = Some(tokio::spawn(accept(
            listener,
            switch.target.clone(),
            switch.up.clone(),
        )));
        switch
    }

    fn down(&mut self) {
        self.up.store(false, Ordering::SeqCst);
        if let Some(task) = self.listener.take() {
            task.abort();
        }
    }

    async fn restore(&mut self) {
        self.up.store(true, Ordering::SeqCst);
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.listener = Some(tokio::spawn(accept(
            listener,
            self.target.clone(),
            self.up.clone(),
        )));
    }
}

async fn accept(listener: TcpListener, target: String, up: Arc<AtomicBool>) {
    while let Ok((mut inbound, _)) = listener.accept().await {
        let target = target.clone();
        let up = up.clone();
        tokio::spawn(async move {
            let Ok(mut outbound) = TcpStream::connect(&target).await else {
                return;
            };
            let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
            let watch = async {
                while up.load(Ordering::SeqCst) {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            };
            tokio::select! { _ = copy => {}, () = watch => {} }
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_database_gives_503_and_the_server_recovers() {
    let app = app(Backend::Postgres).await;
    let mut switch = Switch::start("127.0.0.1:5432").await;
    let url = app
        .db
        .url
        .replace("127.0.0.1:5432", &format!("127.0.0.1:{}", switch.port));
    let mut options = StoreOptions::from_url(url);
    options.acquire_timeout = std::time::Duration::from_secs(2);
    let store = Store::connect(&options)
        .await
        .unwrap()
        .with_signer(app.db.signer.clone());
    let state = AppState::new(
        store,
        Arc::new(FixedClock::new(T0)),
        ServerConfig::default(),
        None,
    )
    .unwrap();
    let proxied = TestApp {
        app: aims_server::app(state),
        ..app
    };

    assert_eq!(
        proxied.get("/api/v1/systems", Role::Viewer).await.status,
        StatusCode::OK
    );
    switch.down();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let down = proxied.get("/api/v1/systems", Role::Viewer).await;
    assert_eq!(
        down.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        down.body
    );
    assert_eq!(down.code(), "database_unavailable");
    let ready = proxied
        .send(Method::GET, "/readyz", None, &[], Body::empty())
        .await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    let alive = proxied
        .send(Method::GET, "/healthz", None, &[], Body::empty())
        .await;
    assert_eq!(alive.status, StatusCode::OK, "the process stays up");

    switch.restore().await;
    let mut recovered = false;
    for _ in 0..50 {
        if proxied.get("/api/v1/systems", Role::Viewer).await.status == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        recovered,
        "the server did not recover when the database came back"
    );
    proxied.create_system("After the outage").await;
}
