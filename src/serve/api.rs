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

/// A response body that keeps `held` alive until the body has been written out (or the client
/// has gone): hyper drops a body only after its last frame has left.
pub struct HoldingBody<H> {
    body: axum::body::Body,
    _held: H,
}

impl<H: Send + Unpin + 'static> HoldingBody<H> {
    /// `response`, its body now also holding `held`.
    pub fn wrap(response: Response, held: H) -> Response {
        response.map(|body| axum::body::Body::new(HoldingBody { body, _held: held }))
    }
}

impl<H: Unpin> http_body::Body for HoldingBody<H> {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// What a body holds lives until the body has been read to its end and dropped.
    #[tokio::test]
    async fn a_holding_body_keeps_what_it_holds_until_it_is_written() {
        let held = Arc::new(());
        let response = HoldingBody::wrap("written".into_response(), held.clone());
        assert_eq!(Arc::strong_count(&held), 2, "held while the response waits");
        let body = axum::body::to_bytes(response.into_body(), 1 << 10)
            .await
            .unwrap();
        assert_eq!(&body[..], b"written");
        assert_eq!(Arc::strong_count(&held), 1, "let go once written");
    }
}
