//! The HTTP face of [`ApiError`]: status, `Retry-After`, and the JSON body. Also the request
//! extractors whose rejections must read the same way (JSON bodies, path ids).

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use evently::ApiError;
use evently::error::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;

/// An [`ApiError`] as an HTTP response.
#[derive(Debug)]
pub struct HttpError(pub ApiError);

impl<E: Into<ApiError>> From<E> for HttpError {
    fn from(e: E) -> Self {
        HttpError(e.into())
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.0.retry_after;
        let mut res = (status, axum::Json(ErrorBody { error: self.0 })).into_response();
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// Result type of every REST handler.
pub type ApiResult<T> = Result<T, HttpError>;

/// The raw request body, whose failures (too large, unreadable) are 4xx in the error shape.
pub struct Body(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => Ok(Body(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(HttpError(ApiError::new(
                ErrorCode::PayloadTooLarge,
                "the request body is too large",
            ))),
            Err(_) => Err(HttpError(ApiError::new(
                ErrorCode::InvalidInput,
                "could not read the request body",
            ))),
        }
    }
}

/// A JSON body whose every failure is a clear 4xx naming the field.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Body(bytes) = Body::from_request(req, state).await?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => Ok(Json(v)),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let message = describe_json_error(&inner);
                let mut api = ApiError::new(ErrorCode::InvalidInput, message);
                if path != "." && !path.is_empty() {
                    api.field = Some(path);
                } else if let Some(field) = missing_field(&inner) {
                    api.field = Some(field);
                }
                Err(HttpError(api))
            }
        }
    }
}

fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let text = e.to_string();
    // serde's messages end with " at line 1 column 12"; the position adds nothing for clients.
    let clean = match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    match e.classify() {
        Category::Syntax | Category::Eof => format!("the request body is not valid JSON ({clean})"),
        Category::Data | Category::Io => clean,
    }
}

fn missing_field(e: &serde_json::Error) -> Option<String> {
    let text = e.to_string();
    let start = text.find("missing field `")? + "missing field `".len();
    let end = text[start..].find('`')? + start;
    Some(text[start..end].to_string())
}

impl<T> IntoResponse for Json<T>
where
    axum::Json<T>: IntoResponse,
{
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A numeric id from the path; anything else is a 404, like an id that does not exist.
#[derive(utoipa::IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub struct Id(
    /// The numeric id.
    #[param(minimum = 1)]
    pub i64,
);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let r: Result<axum::extract::Path<String>, PathRejection> =
            axum::extract::Path::from_request_parts(parts, state).await;
        match r {
            Ok(axum::extract::Path(s)) => match s.parse::<i64>() {
                Ok(n) if n > 0 => Ok(Id(n)),
                _ => Err(HttpError(ApiError::new(ErrorCode::NotFound, "not found"))),
            },
            Err(_) => Err(HttpError(ApiError::new(ErrorCode::NotFound, "not found"))),
        }
    }
}

/// Maps axum's own JSON rejection (used by third-party extractors) to our shape.
pub fn json_rejection(e: JsonRejection) -> HttpError {
    HttpError(ApiError::new(ErrorCode::InvalidInput, e.body_text()))
}

/// The fallback for unknown API paths.
pub async fn api_not_found() -> HttpError {
    HttpError(ApiError::new(ErrorCode::NotFound, "no such API endpoint"))
}

/// Query parameters whose failures are 422s in the error shape.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => {
                let text = e.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                Err(HttpError(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("invalid query parameters: {detail}"),
                )))
            }
        }
    }
}
