//! The page's files, built into the binary (no build step, nothing fetched from elsewhere).
//! For work on the page itself, `BACKPROP_WEB_DIR=web` reads them from that folder instead,
//! on every request, so an edit shows on reload without rebuilding.

use std::borrow::Cow;

const FILES: [(&str, &str, &str); 3] = [
    (
        "index.html",
        include_str!("../../web/index.html"),
        "text/html; charset=utf-8",
    ),
    (
        "app.js",
        include_str!("../../web/app.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "app.css",
        include_str!("../../web/app.css"),
        "text/css; charset=utf-8",
    ),
];

/// The file served at a path under `/`, and its content type.
pub fn find(path: &str) -> Option<(Cow<'static, str>, &'static str)> {
    let name = if path.is_empty() { "index.html" } else { path };
    let &(name, text, kind) = FILES.iter().find(|f| f.0 == name)?;
    if let Some(dir) = std::env::var_os("BACKPROP_WEB_DIR") {
        if let Ok(t) = std::fs::read_to_string(std::path::Path::new(&dir).join(name)) {
            return Some((Cow::Owned(t), kind));
        }
    }
    Some((Cow::Borrowed(text), kind))
}
