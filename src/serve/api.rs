//! The JSON API's errors and request bodies: every failure is `{"error": MESSAGE}` with a 4xx
//! status (5xx only for a fault of the server itself), the message the CLI would print.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

/// The most bytes a request body may have.
pub const MAX_BODY_BYTES: usize = 4 << 20;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
}

/// The library's errors: a request too large for the limits is 422, any other bad input 400.
impl From<backprop::Error> for ApiError {
    fn from(e: backprop::Error) -> ApiError {
        let status = match e {
            backprop::Error::TooLarge(_) => StatusCode::UNPROCESSABLE_ENTITY,
            backprop::Error::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(json!({ "error": self.message }))).into_response()
    }
}

/// A JSON request body, read under [`MAX_BODY_BYTES`] and parsed with messages that say where
/// it is wrong (`request body: line 1, column 9: expected value`).
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "request body: more than the {} MiB a request may have",
                        MAX_BODY_BYTES >> 20
                    ),
                )
            } else {
                ApiError::bad(format!("request body: {}", e.body_text()))
            }
        })?;
        let text = if bytes.is_empty() {
            &b"{}"[..]
        } else {
            &bytes[..]
        };
        serde_json::from_slice(text).map(Body).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Data => "",
                _ => "not valid JSON: ",
            };
            ApiError::bad(format!(
                "request body: line {}, column {}: {what}{}",
                e.line(),
                e.column(),
                strip_position(&e.to_string())
            ))
        })
    }
}

/// serde_json's message without its own ` at line L column C`.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}
