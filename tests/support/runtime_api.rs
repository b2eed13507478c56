//! A local Lambda Runtime API on loopback. It hands queued events to the real
//! `trigger-analysis` processes that poll it, as Lambda does, and returns
//! what each process posts back.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot, Mutex};

const PREFIX: &str = "/2018-06-01/runtime";

/// How long an invocation may run before the Runtime API stops waiting.
pub const INVOCATION_TIMEOUT: Duration = Duration::from_secs(30);

/// What a function process posted for one invocation.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The handler's result, posted to `/invocation/{id}/response`.
    Response(Value),
    /// A function error, posted to `/invocation/{id}/error`.
    Error(Value),
}

struct Queued {
    request_id: String,
    event: Value,
    reply: oneshot::Sender<Outcome>,
}

struct Shared {
    queue: Mutex<mpsc::UnboundedReceiver<Queued>>,
    pending: std::sync::Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    deadline: Duration,
}

/// The Runtime API server and its queue of events.
pub struct RuntimeApi {
    address: SocketAddr,
    sender: mpsc::UnboundedSender<Queued>,
    server: tokio::task::JoinHandle<()>,
}

impl RuntimeApi {
    /// Starts the server on a free port of 127.0.0.1. Each invocation gets a
    /// deadline `deadline` after the process receives it.
    pub async fn start(deadline: Duration) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (sender, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queue: Mutex::new(receiver),
            pending: std::sync::Mutex::new(HashMap::new()),
            deadline,
        });
        let server = tokio::spawn(serve(listener, shared));
        Ok(Self {
            address,
            sender,
            server,
        })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// Queues `event` and waits for a function process to post its outcome.
    pub async fn invoke(&self, event: Value) -> Result<Outcome, String> {
        let (reply, outcome) = oneshot::channel();
        let request_id = uuid::Uuid::new_v4().to_string();
        let queued = Queued {
            request_id,
            event,
            reply,
        };
        self.sender
            .send(queued)
            .map_err(|_| "the Runtime API stopped".to_string())?;
        match tokio::time::timeout(INVOCATION_TIMEOUT, outcome).await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(_)) => Err("the invocation was dropped without an outcome".to_string()),
            Err(_) => Err(format!("no outcome within {INVOCATION_TIMEOUT:?}")),
        }
    }

    /// Starts one function process that polls this Runtime API.
    pub fn spawn_function(&self, binary: &Path, environment: &[(String, String)]) -> Child {
        Command::new(binary)
            .env("AWS_LAMBDA_RUNTIME_API", self.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", "trigger-analysis")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/trigger-analysis")
            .envs(environment.iter().map(|(name, value)| (name, value)))
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()))
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((stream, _)) = listener.accept().await {
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(route(&shared, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn route(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return reply(StatusCode::NOT_FOUND, "");
    };
    match (request.method(), rest) {
        (&Method::GET, "/invocation/next") => next_invocation(shared).await,
        (&Method::POST, "/init/error") => {
            let body = read_json(request).await;
            eprintln!("function init error: {body}");
            reply(StatusCode::ACCEPTED, "")
        }
        (&Method::POST, rest) => {
            let Some((request_id, kind)) = rest
                .strip_prefix("/invocation/")
                .and_then(|rest| rest.split_once('/'))
            else {
                return reply(StatusCode::NOT_FOUND, "");
            };
            let request_id = request_id.to_string();
            let outcome = match kind {
                "response" => Outcome::Response(read_json(request).await),
                "error" => Outcome::Error(read_json(request).await),
                _ => return reply(StatusCode::NOT_FOUND, ""),
            };
            complete(shared, &request_id, outcome)
        }
        _ => reply(StatusCode::NOT_FOUND, ""),
    }
}

async fn next_invocation(shared: &Shared) -> Response<Full<Bytes>> {
    let Some(queued) = shared.queue.lock().await.recv().await else {
        // lambda_runtime panics on a reply without an invocation, so a process
        // polling a stopped Runtime API waits until it is killed.
        return std::future::pending().await;
    };
    let deadline = SystemTime::now() + shared.deadline;
    let deadline_ms = deadline
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis())
        .unwrap_or_default();
    if let Ok(mut pending) = shared.pending.lock() {
        pending.insert(queued.request_id.clone(), queued.reply);
    }
    Response::builder()
        .status(StatusCode::OK)
        .header("Lambda-Runtime-Aws-Request-Id", &queued.request_id)
        .header("Lambda-Runtime-Deadline-Ms", deadline_ms.to_string())
        .header(
            "Lambda-Runtime-Invoked-Function-Arn",
            "arn:aws:lambda:us-east-1:123456789012:function:trigger-analysis",
        )
        .header(
            "Lambda-Runtime-Trace-Id",
            "Root=1-00000000-000000000000000000000000",
        )
        .body(Full::new(Bytes::from(queued.event.to_string())))
        .unwrap_or_else(|_| reply(StatusCode::INTERNAL_SERVER_ERROR, ""))
}

fn complete(shared: &Shared, request_id: &str, outcome: Outcome) -> Response<Full<Bytes>> {
    let waiter = shared
        .pending
        .lock()
        .ok()
        .and_then(|mut pending| pending.remove(request_id));
    match waiter {
        Some(waiter) => {
            let _ = waiter.send(outcome);
            reply(StatusCode::ACCEPTED, "")
        }
        None => reply(StatusCode::BAD_REQUEST, "unknown request ID"),
    }
}

async fn read_json(request: Request<Incoming>) -> Value {
    match request.into_body().collect().await {
        Ok(body) => serde_json::from_slice(&body.to_bytes()).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

fn reply(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response
}
