//! The page's files, built into the binary (no build step, nothing fetched from elsewhere).

pub const INDEX_HTML: &str = include_str!("../../web/index.html");
pub const APP_JS: &str = include_str!("../../web/app.js");
pub const APP_CSS: &str = include_str!("../../web/app.css");

/// The file served at a path under `/`, and its content type.
pub fn find(path: &str) -> Option<(&'static str, &'static str)> {
    match path {
        "" | "index.html" => Some((INDEX_HTML, "text/html; charset=utf-8")),
        "app.js" => Some((APP_JS, "text/javascript; charset=utf-8")),
        "app.css" => Some((APP_CSS, "text/css; charset=utf-8")),
        _ => None,
    }
}
