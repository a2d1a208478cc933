//! `dyadsim classroom`: a web page for teaching with the model, served from the binary.
//!
//! Everything the page needs (HTML, CSS, JavaScript and the vendored chart library with
//! its licence) is compiled in ([`assets`]); the page talks to the server only through the
//! JSON API of [`api`], documented in `docs/CLASSROOM.md`, which calls the same library
//! functions as the command line (`/api/run` is `dyadsim trace --csv`, `/api/hypothesis`
//! is one hypothesis of `dyadsim propositions`).
//!
//! The server is synchronous (tiny_http) with a fixed pool of worker threads, so a slow
//! request (a large ensemble) never blocks the page's other requests; the simulation work
//! itself runs on the rayon pool. Request bodies are capped ([`MAX_BODY`]), the work of a
//! request is capped ([`api::MAX_RUNS`], [`api::MAX_MONTHS`], [`api::MAX_REPS`]) and so is
//! the number of heavy requests running at once ([`MAX_HEAVY`]).

pub mod api;
pub mod assets;
pub mod presets;

use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use thiserror::Error;

pub use api::{Reply, handle};

/// Largest request body accepted, bytes (larger: HTTP 413).
pub const MAX_BODY: usize = 64 * 1024;
/// Worker threads answering requests.
pub const WORKERS: usize = 8;
/// Heavy requests (ensembles, hypotheses) computed at once; more get HTTP 503, so that
/// at least `WORKERS - MAX_HEAVY` workers are always free for the page and single runs.
pub const MAX_HEAVY: usize = 4;

/// Errors of the classroom server.
#[derive(Debug, Error)]
pub enum ClassroomError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {message}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        message: String,
    },
}

/// A bound classroom server; [`Classroom::serve`] answers requests until the process ends.
pub struct Classroom {
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
}

/// Whether binding to `ip` exposes the server beyond this machine.
pub fn is_exposed(ip: IpAddr) -> bool {
    !ip.is_loopback()
}

impl Classroom {
    /// Listen on `ip:port` (`port` 0: a free port chosen by the system).
    pub fn bind(ip: IpAddr, port: u16) -> Result<Self, ClassroomError> {
        let want = SocketAddr::new(ip, port);
        let server = tiny_http::Server::http(want).map_err(|e| ClassroomError::Bind {
            addr: want,
            message: e.to_string(),
        })?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| ClassroomError::Bind {
                addr: want,
                message: "not an IP socket".into(),
            })?;
        Ok(Classroom {
            server: Arc::new(server),
            addr,
        })
    }

    /// The address listened on (with the port chosen when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// A function that stops [`Classroom::serve`]: every worker finishes the request it is
    /// answering and takes no new one (for Ctrl-C).
    pub fn stopper(&self) -> impl Fn() + Send + 'static {
        let server = Arc::clone(&self.server);
        move || {
            for _ in 0..WORKERS {
                server.unblock();
            }
        }
    }

    /// Answer requests with [`WORKERS`] threads; returns when every worker has stopped
    /// ([`Classroom::stopper`]).
    pub fn serve(self) {
        let heavy = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                let server = Arc::clone(&self.server);
                let heavy = Arc::clone(&heavy);
                std::thread::spawn(move || {
                    for request in server.incoming_requests() {
                        respond(request, &heavy);
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.join();
        }
    }
}

/// Read the body of `request`, up to [`MAX_BODY`] bytes; `Err` with the reply when it is
/// too large or unreadable.
fn read_body(request: &mut tiny_http::Request) -> Result<Vec<u8>, Reply> {
    if request.body_length().is_some_and(|n| n > MAX_BODY) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    let reader = request.as_reader();
    match reader.take(MAX_BODY as u64 + 1).read_to_end(&mut body) {
        Ok(_) if body.len() > MAX_BODY => Err(too_large()),
        Ok(_) => Ok(body),
        Err(e) => Err(Reply::error(
            400,
            None,
            format!("cannot read the body: {e}"),
        )),
    }
}

fn too_large() -> Reply {
    Reply::error(
        413,
        None,
        format!("the request body is larger than {MAX_BODY} bytes"),
    )
}

/// A slot among the [`MAX_HEAVY`] heavy requests, released when dropped.
struct HeavySlot<'a>(&'a AtomicUsize);

impl<'a> HeavySlot<'a> {
    fn take(count: &'a AtomicUsize) -> Option<Self> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_HEAVY).then_some(n + 1)
            })
            .ok()
            .map(|_| HeavySlot(count))
    }
}

impl Drop for HeavySlot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn respond(mut request: tiny_http::Request, heavy: &AtomicUsize) {
    let method = request.method().as_str().to_string();
    let path = request.url().split('?').next().unwrap_or("/").to_string();
    let reply = match read_body(&mut request) {
        Err(r) => r,
        Ok(body) => {
            let slot = if api::is_heavy(&method, &path) {
                match HeavySlot::take(heavy) {
                    Some(s) => Some(s),
                    None => {
                        let r = Reply::error(
                            503,
                            None,
                            format!(
                                "busy: {MAX_HEAVY} simulations are running; try again in a moment"
                            ),
                        );
                        let _ = request.respond(to_response(r));
                        return;
                    }
                }
            } else {
                None
            };
            // The handlers do not panic on any input; should one ever do so, the request
            // gets a 500 and the worker lives on.
            let r = catch_unwind(AssertUnwindSafe(|| handle(&method, &path, &body)))
                .unwrap_or_else(|_| Reply::error(500, None, "internal error".into()));
            drop(slot);
            r
        }
    };
    let _ = request.respond(to_response(reply));
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("static header names and values are valid")
}

fn to_response(r: Reply) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut resp = tiny_http::Response::from_data(r.body)
        .with_status_code(r.status)
        .with_header(header("Content-Type", r.content_type))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"));
    if r.content_type.starts_with("text/html") {
        // The page may load nothing from anywhere but this server.
        resp = resp.with_header(header(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ));
    }
    resp
}
