//! `backprop serve`: the network live in the browser. A local web app (Playground, Check, Runs)
//! over a JSON API under `/api/`, on axum and tokio; the page's files are built into the binary.
//!
//! - [`routes`]: the page and the API; [`api`]: errors and request bodies.
//! - [`session`]: one playground session over the library; [`sessions`]: the store, its limits.
//! - [`runs`]: the training logs under `--logdir`.

pub mod api;
pub mod assets;
pub mod routes;
pub mod runs;
pub mod session;
pub mod sessions;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use backprop::{Error, Result};
use sessions::Limits;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;

pub struct Options {
    pub addr: SocketAddr,
    pub first_spec: String,
    pub logdir: Option<PathBuf>,
    pub limits: Limits,
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests under way and returns.
pub fn run(options: Options) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start the server: {e}")))?;
    runtime.block_on(serve(options))
}

async fn serve(options: Options) -> Result<()> {
    let addr = options.addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Config(format!("--host/--port {addr}: cannot listen there: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::Config(format!("{addr}: {e}")))?;
    let app = Arc::new(routes::App {
        sessions: sessions::Sessions::default(),
        limits: options.limits,
        first_spec: options.first_spec,
        logdir: options.logdir,
    });
    // Idle sessions go even when no one creates new ones.
    let sweeper = app.clone();
    tokio::spawn(async move {
        let every =
            (sweeper.limits.idle / 4).clamp(Duration::from_millis(200), Duration::from_secs(30));
        loop {
            tokio::time::sleep(every).await;
            sweeper.sessions.expire(sweeper.limits.idle);
        }
    });
    let router = routes::router(app)
        .layer(DefaultBodyLimit::max(api::MAX_BODY_BYTES))
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(panicked));
    if !bound.ip().is_loopback() {
        eprintln!(
            "warning: listening on {bound}, not only this machine: anyone who can reach it can use it"
        );
    }
    println!("serving on http://{bound}/  (Ctrl-C to stop)");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| Error::Config(format!("the server stopped: {e}")))?;
    println!("stopped");
    Ok(())
}

/// A request that panicked (there should be none) answers 500; the server keeps serving.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    api::ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the request failed inside the server (a bug: please report it); the server is still serving",
    )
    .into_response()
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
