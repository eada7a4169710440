//! The HTTP side: one listener, one task per connection, routing by prefix to a provider or to
//! the control API, and the fault kinds that need the connection itself (reset, hold).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::fault::{FaultKind, HOLD};
use crate::json::Obj;
use crate::provider::Routed;
use crate::state::{self, Call, State};
use crate::wire::{Reply, Request, decode_segment, html_error_page};
use crate::{control, route, simulated};

/// Request bodies above this are refused with 413: no refund request is anywhere near it.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// What the sandbox and all its connections share.
pub(crate) struct Shared {
    state: Mutex<State>,
    pub(crate) addr: SocketAddr,
    /// Effects accepted or timed out and still waiting to be applied (the delayed faults).
    pub(crate) delayed: AtomicUsize,
}

impl Shared {
    pub(crate) fn new(state: State, addr: SocketAddr) -> Self {
        Shared {
            state: Mutex::new(state),
            addr,
            delayed: AtomicUsize::new(0),
        }
    }

    /// The state lock. A panic while holding it cannot leave a half-applied effect behind (every
    /// effect is a few field writes after all checks), so a poisoned lock is still usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Accepts connections until shutdown, then lets open ones finish briefly.
pub(crate) async fn run(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve_connection(stream, Arc::clone(&shared), shutdown.clone()));
                }
                // Out of file descriptors and the like: back off and keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = stopped(&mut shutdown) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        connections.abort_all();
    }
}

/// Resolves when shutdown is asked for, or when the [`Sandbox`](crate::Sandbox) is gone.
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

async fn serve_connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let reset = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(Resettable {
        stream,
        reset: Arc::clone(&reset),
    });
    let service_shutdown = shutdown.clone();
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        let reset = Arc::clone(&reset);
        let shutdown = service_shutdown.clone();
        async move { respond(request, shared, reset, shutdown).await }
    });
    let connection = http1::Builder::new().serve_connection(io, service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        () = stopped(&mut shutdown) => {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(2), connection.as_mut()).await;
        }
    }
}

/// Returned by the service to make hyper drop the connection without writing an answer.
#[derive(Debug)]
struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for DropConnection {}

/// What running a call produced.
enum Outcome {
    Reply(Reply),
    /// Drop the connection with a TCP reset.
    Reset,
    /// The effect is applied; now say nothing.
    Hold,
}

async fn respond(
    request: hyper::Request<Incoming>,
    shared: Arc<Shared>,
    reset: Arc<AtomicBool>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            let body = Obj::new()
                .val("message", "Request body larger than 1 MiB")
                .done();
            return Ok(Reply::json(413, body)
                .with_header("connection", "close")
                .into_response());
        }
        // The client went away while sending: there is nobody to answer.
        Err(_) => return Err(DropConnection),
    };
    let path = parts.uri.path().to_owned();
    let request = Request {
        method: parts.method,
        path: path.clone(),
        headers: parts.headers,
        query: parts.uri.query().map(str::to_owned),
        body,
    };
    let segments: Option<Vec<String>> = path
        .strip_prefix('/')
        .unwrap_or(&path)
        .split('/')
        .map(decode_segment)
        .collect();
    let Some((first, rest)) = segments.as_deref().and_then(<[String]>::split_first) else {
        return Ok(not_found().into_response());
    };
    if first == control::PREFIX {
        return Ok(control::handle(&shared, &request, rest).into_response());
    }
    let Some(simulated) = simulated::by_prefix(first) else {
        return Ok(not_found().into_response());
    };
    let provider = simulated.provider;
    let routed = map(
        route::route(simulated.routes, &request.method, rest),
        |matched| Call { simulated, matched },
    );
    let slug = provider.slug();
    let call = match routed {
        Routed::Call(call) => call,
        Routed::WrongMethod(operation) => {
            shared.lock().ledger.count_request(slug, operation);
            let body = Obj::new().val("message", "Method Not Allowed").done();
            return Ok(Reply::json(405, body).into_response());
        }
        Routed::NotFound => {
            shared.lock().ledger.count_request(slug, "unknown");
            return Ok(state::unknown_path(provider).into_response());
        }
    };
    let fault = {
        let mut state = shared.lock();
        state.ledger.count_request(slug, call.operation());
        // A payment named in the body rather than the path (Getnet's cancel request) is the
        // one a fault rule names too.
        let in_body = call
            .payment()
            .is_none()
            .then(|| body_payment(&request))
            .flatten();
        state.faults.pick(
            slug,
            call.operation(),
            call.payment().or(in_body.as_deref()),
        )
    };
    // The call runs in its own task so that a client giving up (which makes hyper drop this
    // future) cannot cancel an effect the server has started, just as with a real provider.
    let task_shared = Arc::clone(&shared);
    let outcome =
        tokio::spawn(async move { execute(task_shared, call, request, fault).await }).await;
    match outcome {
        Ok(Outcome::Reply(reply)) => Ok(reply.into_response()),
        Ok(Outcome::Reset) => {
            reset.store(true, Ordering::SeqCst);
            Err(DropConnection)
        }
        Ok(Outcome::Hold) => {
            // hyper drops this future as soon as the client hangs up, which ends the hold early.
            tokio::select! {
                () = tokio::time::sleep(HOLD) => {}
                () = stopped(&mut shutdown) => {}
            }
            Err(DropConnection)
        }
        Err(_) => Ok(state::internal_error(provider).into_response()),
    }
}

fn map<C, D>(routed: Routed<C>, wrap: impl FnOnce(C) -> D) -> Routed<D> {
    match routed {
        Routed::Call(call) => Routed::Call(wrap(call)),
        Routed::WrongMethod(operation) => Routed::WrongMethod(operation),
        Routed::NotFound => Routed::NotFound,
    }
}

async fn execute(
    shared: Arc<Shared>,
    call: Call,
    request: Request,
    fault: Option<FaultKind>,
) -> Outcome {
    match fault {
        None => Outcome::Reply(shared.lock().handle(&call, &request)),
        Some(FaultKind::Latency(delay)) => {
            tokio::time::sleep(delay).await;
            Outcome::Reply(shared.lock().handle(&call, &request))
        }
        // An informational or otherwise impossible final status would confuse HTTP itself.
        Some(FaultKind::Status(status)) if status == 500 || !(200..=599).contains(&status) => {
            Outcome::Reply(state::internal_error(call.provider()))
        }
        Some(FaultKind::Status(status)) => {
            let reply = html_error_page(status);
            // Overload answers usually say when to come back.
            Outcome::Reply(if status == 429 || status == 503 {
                reply.with_header("retry-after", "1")
            } else {
                reply
            })
        }
        Some(FaultKind::Reset) => Outcome::Reset,
        Some(FaultKind::ApplyThenTimeout) => {
            let _applied = shared.lock().handle(&call, &request);
            Outcome::Hold
        }
        Some(FaultKind::AcceptThenApplyLater(delay)) => {
            // The answer the request would get, worked out on a copy of the state, so nothing
            // changes (and no look-up shows anything) until the delay is over.
            let answer = {
                let mut copy = shared.lock().clone();
                copy.handle(&call, &request)
            };
            apply_later(shared, call, request, delay);
            Outcome::Reply(answer)
        }
        Some(FaultKind::TimeoutThenApplyLater(delay)) => {
            apply_later(shared, call, request, delay);
            Outcome::Hold
        }
        Some(FaultKind::AnswerAnotherPayment) => {
            let mut state = shared.lock();
            let _applied = state.handle(&call, &request);
            Outcome::Reply(state.answer_about_another(&call, &request))
        }
        Some(FaultKind::EchoRequest) => Outcome::Reply(echo(&request)),
    }
}

/// A 400 that repeats the request back, credentials and all: as structured fields, and as
/// one line of text under every key the simulated providers' error bodies read their message
/// from, so the echo reaches whatever a client shows of a refusal.
fn echo(request: &Request) -> Reply {
    let mut headers = Obj::new();
    let mut line = format!("could not process {} {}", request.method, request.path);
    if let Some(query) = &request.query {
        line.push_str(&format!("?{query}"));
    }
    for (name, value) in &request.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        line.push_str(&format!("; {name}: {value}"));
        headers = headers.val(name.as_str(), &value);
    }
    let body = String::from_utf8_lossy(&request.body);
    line.push_str(&format!("; body: {body}"));
    let echoed = Obj::new()
        .val("method", request.method.as_str())
        .val("path", &request.path)
        .opt("query", request.query.as_deref())
        .raw("headers", &headers.done())
        .val("body", &body)
        .done();
    let nested = Obj::new()
        .val("status", "Bad Request")
        .val("status_code", &400)
        .val("type", "invalid_request_error")
        .val("category", "echo")
        .val("message", &line)
        .done();
    let erro = Obj::new()
        .val("codigo", "echo")
        .val("mensagem", &line)
        .done();
    Reply::json(
        400,
        Obj::new()
            .val("message", &line)
            .raw("error", &nested)
            .raw("erro", &erro)
            .val("statusTransacao", &0)
            .val("transferErrorMsg", &line)
            .raw("request", &echoed)
            .done(),
    )
}

/// Applies a call's effect `delay` from now, whatever the client does meanwhile.
fn apply_later(shared: Arc<Shared>, call: Call, request: Request, delay: Duration) {
    shared.delayed.fetch_add(1, Ordering::SeqCst);
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let _applied = shared.lock().handle(&call, &request);
        shared.delayed.fetch_sub(1, Ordering::SeqCst);
    });
}

fn not_found() -> Reply {
    Reply::json(404, Obj::new().val("message", "Not Found").done())
}

/// A TCP stream that, when asked, closes with a reset (RST) instead of an orderly FIN, so
/// [`FaultKind::Reset`] looks to the client like a crashed server or a middlebox killing it.
struct Resettable {
    stream: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for Resettable {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            // SO_LINGER 0: close() discards the socket and sends RST. Nothing is left to write.
            let _ = self.stream.set_zero_linger();
        }
    }
}

impl AsyncRead for Resettable {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Resettable {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// The `payment_id` a JSON body names, for a request whose path names no payment.
fn body_payment(request: &Request) -> Option<String> {
    let body: serde_json::Value = serde_json::from_slice(&request.body).ok()?;
    body.get("payment_id")?.as_str().map(str::to_owned)
}
