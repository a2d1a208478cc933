//! The page's files, compiled into the binary: nothing is fetched from anywhere else.
//!
//! The chart library is uPlot (MIT licence), vendored from its npm package into
//! `assets/classroom/vendor/` with its licence; `docs/CLASSROOM.md` records the version.

/// `(URL path, content type, bytes)` of every static file the server answers.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "/",
        "text/html; charset=utf-8",
        include_bytes!("../../assets/classroom/index.html"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/classroom/app.js"),
    ),
    (
        "/guard.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/classroom/guard.js"),
    ),
    (
        "/app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/classroom/app.css"),
    ),
    (
        "/vendor/uPlot.iife.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/classroom/vendor/uPlot.iife.min.js"),
    ),
    (
        "/vendor/uPlot.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/classroom/vendor/uPlot.min.css"),
    ),
    (
        "/vendor/uPlot.LICENSE.txt",
        "text/plain; charset=utf-8",
        include_bytes!("../../assets/classroom/vendor/uPlot.LICENSE.txt"),
    ),
];

/// The static file at `path`, with its content type.
pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    let path = if path == "/index.html" { "/" } else { path };
    ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|(_, t, b)| (*t, *b))
}
