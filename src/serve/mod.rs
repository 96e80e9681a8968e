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
    // Steps run on the blocking pool: a few threads per core (each thread keeps its own
    // allocator arena, so hundreds of them would hold memory long after the load).
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(4 * cores)
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
        sessions: Arc::new(sessions::Sessions::default()),
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
    let stop = shutdown()?;
    println!("serving on http://{bound}/  (Ctrl-C to stop)");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    axum::serve(listener, router)
        .with_graceful_shutdown(stop)
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

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed here, before the server takes its
/// first request, so a signal that comes early is not missed.
fn shutdown() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let installed =
            |kind| signal(kind).map_err(|e| Error::Config(format!("cannot watch for Ctrl-C: {e}")));
        let mut interrupt = installed(SignalKind::interrupt())?;
        let mut terminate = installed(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
