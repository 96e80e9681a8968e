//! The routes: the page's files at `/`, the JSON API under `/api/` (README, "The server's API").

use super::api::{ApiError, Body, HoldingBody};
use super::session::Session;
use super::sessions::{lock, Limits, Sessions};
use super::{assets, runs};
use axum::extract::{Path, Query, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use backprop::check::{check_notes, Options, Setup, MAX_NOTES_BYTES};
use backprop::derivation::Lang;
use backprop::Spec;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;

pub struct App {
    pub sessions: Arc<Sessions>,
    pub limits: Limits,
    /// The spec the Playground opens with (`serve SPEC.toml`), else the worked example.
    pub first_spec: String,
    pub logdir: Option<PathBuf>,
}

type Shared = State<Arc<App>>;
type ApiResult = Result<Response, ApiError>;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/api/examples", get(examples))
        .route("/api/sessions", post(create_session))
        .route(
            "/api/sessions/{id}",
            get(get_session).delete(delete_session),
        )
        .route("/api/sessions/{id}/step", post(step))
        .route("/api/sessions/{id}/reset", post(reset))
        .route("/api/sessions/{id}/spec", put(replace_spec))
        .route("/api/sessions/{id}/parameters/{name}", put(set_parameter))
        .route("/api/check", post(check))
        .route("/api/runs", get(list_runs))
        .route("/api/runs/{*name}", get(read_run))
        .route("/", get(file))
        .route("/{file}", get(file))
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .with_state(app)
}

async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!(
        "no route {method} {}; the API's routes are under /api/ (README: \"The server's API\")",
        uri.path()
    ))
}

async fn wrong_method(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} does not take {method}", uri.path()),
    )
}

async fn file(path: Option<Path<String>>, method: Method, uri: Uri) -> Response {
    let name = path.map(|p| p.0).unwrap_or_default();
    match assets::find(&name) {
        Some((body, kind)) => ([(header::CONTENT_TYPE, kind)], body).into_response(),
        None => unknown_route(method, uri).await.into_response(),
    }
}

/// The built-in example specs the page offers.
async fn examples(State(app): Shared) -> Json<Value> {
    Json(json!([
        { "name": "worked_example", "toml": backprop::spec::WORKED_EXAMPLE },
        { "name": "3-4-3-2", "toml": include_str!("../../web/examples/3-4-3-2.toml") },
        { "name": "xor", "toml": include_str!("../../examples/02-xor.toml") },
        { "name": "iris", "toml": include_str!("../../examples/03-iris.toml") },
        { "name": "start", "toml": app.first_spec },
    ]))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecBody {
    toml: String,
}

#[derive(Deserialize)]
struct View {
    #[serde(default = "yes")]
    draw: bool,
}

fn yes() -> bool {
    true
}

/// Runs `f` on a session off the async threads (a long request never holds up another), then
/// writes its state. The session stays in use until the response has been written out.
async fn with_session<F>(app: &App, id: String, draw: bool, f: F) -> ApiResult
where
    F: FnOnce(&mut Session) -> Result<(), ApiError> + Send + 'static,
{
    let held = app
        .sessions
        .hold(&id)
        .ok_or_else(|| ApiError::not_found(format!("no session `{id}` (it may have expired after {} s idle); create one with POST /api/sessions", app.limits.idle.as_secs())))?;
    let session = held.session.clone();
    let state = tokio::task::spawn_blocking(move || {
        let mut s = lock(&session);
        let result = f(&mut s);
        result.map(|()| s.state(&id, draw))
    })
    .await
    .map_err(internal)??;
    Ok(HoldingBody::wrap(Json(state).into_response(), held))
}

async fn create_session(
    State(app): Shared,
    Query(v): Query<View>,
    Body(body): Body<SpecBody>,
) -> ApiResult {
    app.sessions.expire(app.limits.idle);
    let toml = body.toml;
    let session = tokio::task::spawn_blocking(move || Session::new(&toml))
        .await
        .map_err(internal)??;
    let Some(id) = app.sessions.insert(session, app.limits.sessions) else {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "{} sessions are open, the most this server keeps; close one (DELETE /api/sessions/ID) or wait {} s for idle ones to expire",
                app.limits.sessions,
                app.limits.idle.as_secs()
            ),
        ));
    };
    let mut response = with_session(&app, id, v.draw, |_| Ok(())).await?;
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

async fn get_session(
    State(app): Shared,
    Path(id): Path<String>,
    Query(v): Query<View>,
) -> ApiResult {
    with_session(&app, id, v.draw, |_| Ok(())).await
}

async fn delete_session(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    if app.sessions.remove(&id) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(format!("no session `{id}`")))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepBody {
    #[serde(default = "one")]
    steps: u64,
    #[serde(default = "yes")]
    draw: bool,
}

fn one() -> u64 {
    1
}

async fn step(State(app): Shared, Path(id): Path<String>, Body(b): Body<StepBody>) -> ApiResult {
    let steps = b.steps;
    with_session(&app, id, b.draw, move |s| Ok(s.step(steps)?)).await
}

async fn reset(State(app): Shared, Path(id): Path<String>) -> ApiResult {
    with_session(&app, id, true, |s| Ok(s.reset()?)).await
}

async fn replace_spec(
    State(app): Shared,
    Path(id): Path<String>,
    Body(b): Body<SpecBody>,
) -> ApiResult {
    with_session(&app, id, true, move |s| {
        *s = Session::new(&b.toml)?;
        Ok(())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueBody {
    value: f64,
}

async fn set_parameter(
    State(app): Shared,
    Path((id, name)): Path<(String, String)>,
    Body(b): Body<ValueBody>,
) -> ApiResult {
    with_session(
        &app,
        id,
        true,
        move |s| Ok(s.set_parameter(&name, b.value)?),
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckBody {
    notes: String,
    /// The spec the notes work (TOML); the worked example when absent.
    spec: Option<String>,
    sample: Option<usize>,
    #[serde(default)]
    lang: LangCode,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum LangCode {
    #[default]
    En,
    Zh,
}

/// The notes marked line by line, by the same checker as `backprop check`.
async fn check(Body(b): Body<CheckBody>) -> ApiResult {
    if b.notes.len() > MAX_NOTES_BYTES {
        return Err(ApiError::bad(format!(
            "notes: {} bytes, more than the {MAX_NOTES_BYTES} notes may have",
            b.notes.len()
        )));
    }
    let result = tokio::task::spawn_blocking(move || -> Result<Value, ApiError> {
        let lang = match b.lang {
            LangCode::En => Lang::En,
            LangCode::Zh => Lang::Zh,
        };
        let options = Options {
            lang,
            sample: b.sample,
        };
        // Without a spec, the setup is read from the notes themselves (as `backprop check`).
        let spec = b
            .spec
            .as_deref()
            .map(|t| Spec::parse(t, "spec"))
            .transpose()?;
        let setup = match &spec {
            Some(spec) => Setup::Spec { spec, name: "spec" },
            None => Setup::FromNotes,
        };
        let report = check_notes(&b.notes, "notes", setup, options)?;
        let marks: Vec<Value> = report
            .claims
            .iter()
            .map(|c| {
                json!({
                    "line": c.line,
                    "written": c.written,
                    "name": c.quantity,
                    "value": c.value,
                    "exact": c.expected,
                    "yours": c.yours,
                    "verdict": { "kind": c.verdict, "from": c.from, "rounding": c.rounding },
                    "explanation": c.because,
                })
            })
            .collect();
        Ok(json!({
            "marks": marks,
            "summary": report.summary.text,
            "correct": report.summary.correct,
            "slips": report.summary.slip,
            "carried": report.summary.carried,
            "misnamed": report.summary.misnamed,
            "unrecognised": report.summary.unrecognised,
            "setup": report.setup,
        }))
    })
    .await
    .map_err(internal)??;
    Ok(Json(result).into_response())
}

/// A request whose work failed inside the server (a panic: there should be none).
fn internal(e: tokio::task::JoinError) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("the request failed inside the server: {e}"),
    )
}

fn logdir(app: &App) -> Result<&std::path::Path, ApiError> {
    app.logdir
        .as_deref()
        .ok_or_else(|| ApiError::not_found("no runs: the server was started without --logdir DIR"))
}

async fn list_runs(State(app): Shared) -> ApiResult {
    let dir = logdir(&app)?.to_path_buf();
    let runs = tokio::task::spawn_blocking(move || runs::list(&dir))
        .await
        .map_err(internal)?;
    Ok(Json(json!(runs.iter().map(runs::describe).collect::<Vec<_>>())).into_response())
}

#[derive(Deserialize)]
struct RunQuery {
    #[serde(default)]
    from: usize,
}

async fn read_run(
    State(app): Shared,
    Path(name): Path<String>,
    Query(f): Query<RunQuery>,
) -> ApiResult {
    let dir = logdir(&app)?.to_path_buf();
    tokio::task::spawn_blocking(move || {
        // Only a run the listing finds can be read: no path outside the folder.
        let run = runs::list(&dir)
            .into_iter()
            .find(|r| r.name == name)
            .ok_or_else(|| ApiError::not_found(format!("no run `{name}` under {}", dir.display())))?;
        let (lines, total) = runs::read(&run, f.from)
            .map_err(|e| ApiError::bad(format!("{}: {e}", run.file.display())))?;
        Ok(Json(json!({ "name": run.name, "live": run.live, "from": f.from, "lines": lines, "total": total })).into_response())
    })
    .await
    .map_err(internal)?
}
