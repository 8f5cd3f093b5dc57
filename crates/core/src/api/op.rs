//! The operation table's machinery: what one declared operation is (`Operation`: name `domain/verb`, read or
//! mutating, where it may be called from, unary or streaming, its input / event / output types), the typed event
//! sink a streaming operation writes to (`Sink`), and the JSON dispatch every transport uses (`call`, `stream`).
//! The table itself is `super::table`; the HTTP routes, the desktop dispatch, the TypeScript bindings and the OpenAPI
//! document are all derived from it.

use std::future::Future;
use std::sync::Arc;

use futures::Stream;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use specta::Types;
use specta::datatype::DataType;
use tokio::sync::mpsc;

use super::edge::{EdgeError, EdgeErrorKind};
use crate::Core;

pub type Json = serde_json::Value;

/// Whether an operation only reads (a viewer may call it; `serve --public-read` opens it) or changes state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Mutating,
}

/// Where an operation may be called from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Every transport: the CLI, the desktop app and HTTP.
    Everywhere,
    /// This machine only (the CLI and the desktop app, never HTTP): it reads or writes files by path on the machine
    /// that runs it, or the OS keychain.
    Local,
}

/// Unary (one answer) or streaming (events, then one answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Unary,
    Streaming,
}

/// Where a streaming operation sends its events. Typed for the operation; the transports hand in one that encodes
/// to JSON and forwards (an SSE response, a Tauri channel), the CLI one that draws a progress bar.
pub struct Sink<E> {
    emit: Arc<dyn Fn(E) -> bool + Send + Sync>,
}

impl<E> Clone for Sink<E> {
    fn clone(&self) -> Self {
        Sink { emit: Arc::clone(&self.emit) }
    }
}

impl<E: 'static> Sink<E> {
    /// `emit` returns false once nobody listens any more.
    pub fn new(emit: impl Fn(E) -> bool + Send + Sync + 'static) -> Sink<E> {
        Sink { emit: Arc::new(emit) }
    }

    /// Send one event; false when the receiver has gone (a watching operation should stop then).
    pub fn send(&self, event: E) -> bool {
        (self.emit)(event)
    }
}

/// What a streaming transport forwards, in order: any number of `event`s, then exactly one `done` or `error`. The
/// same JSON goes out as SSE `data:` lines and over the desktop app's channel, so the UI has one parser.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum StreamMessage {
    Event(Json),
    Done(Json),
    Error(EdgeError),
}

type UnaryCall = Box<dyn Fn(Core, Json) -> BoxFuture<'static, Result<Json, EdgeError>> + Send + Sync>;
type StreamCall = Box<dyn Fn(Core, Json, Sink<Json>) -> BoxFuture<'static, Result<Json, EdgeError>> + Send + Sync>;

enum Call {
    Unary(UnaryCall),
    Streaming(StreamCall),
}

/// A type's specta description (for the bindings and the OpenAPI document).
pub type Describe = fn(&mut Types) -> DataType;

/// One declared operation.
pub struct Operation {
    /// `domain/verb`, e.g. `experiments/create`; the HTTP path is `/api/v1/<name>`.
    pub name: &'static str,
    pub access: Access,
    pub reach: Reach,
    pub input: Describe,
    pub output: Describe,
    /// The event type of a streaming operation.
    pub event: Option<Describe>,
    call: Call,
}

impl Operation {
    pub fn domain(&self) -> &'static str {
        self.name.split_once('/').map_or(self.name, |(d, _)| d)
    }

    pub fn verb(&self) -> &'static str {
        self.name.split_once('/').map_or("", |(_, v)| v)
    }

    pub fn shape(&self) -> Shape {
        match self.call {
            Call::Unary(_) => Shape::Unary,
            Call::Streaming(_) => Shape::Streaming,
        }
    }

    /// Only this machine (not HTTP)?
    pub fn local(mut self) -> Operation {
        self.reach = Reach::Local;
        self
    }
}

/// An `async fn(&Core, I) -> Result<O>` of the table, with the borrow of `Core` tied to the returned future.
pub trait UnaryFn<'a, I, O>: Send + Sync + 'static {
    type Fut: Future<Output = crate::Result<O>> + Send + 'a;
    fn call(&self, core: &'a Core, input: I) -> Self::Fut;
}

impl<'a, F, I, O, Fut> UnaryFn<'a, I, O> for F
where
    F: Fn(&'a Core, I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = crate::Result<O>> + Send + 'a,
{
    type Fut = Fut;
    fn call(&self, core: &'a Core, input: I) -> Fut {
        self(core, input)
    }
}

/// An `async fn(&Core, I, Sink<E>) -> Result<O>` of the table.
pub trait StreamFn<'a, I, E, O>: Send + Sync + 'static {
    type Fut: Future<Output = crate::Result<O>> + Send + 'a;
    fn call(&self, core: &'a Core, input: I, sink: Sink<E>) -> Self::Fut;
}

impl<'a, F, I, E, O, Fut> StreamFn<'a, I, E, O> for F
where
    F: Fn(&'a Core, I, Sink<E>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = crate::Result<O>> + Send + 'a,
{
    type Fut = Fut;
    fn call(&self, core: &'a Core, input: I, sink: Sink<E>) -> Fut {
        self(core, input, sink)
    }
}

/// Parse a JSON input as `I`; `null` counts as `{}` (for inputs whose fields all have defaults).
pub fn parse_input<I: DeserializeOwned>(name: &str, input: Json) -> Result<I, EdgeError> {
    let input = if input.is_null() { Json::Object(Default::default()) } else { input };
    serde_json::from_value(input)
        .map_err(|e| EdgeError::new(EdgeErrorKind::BadRequest, format!("{name}: invalid input: {e}")))
}

fn encode<O: Serialize>(output: &O) -> Result<Json, EdgeError> {
    serde_json::to_value(output)
        .map_err(|e| EdgeError::new(EdgeErrorKind::Failed, format!("cannot encode the answer: {e}")))
}

/// Declare a unary operation.
pub fn unary<I, O, F>(name: &'static str, access: Access, f: F) -> Operation
where
    I: DeserializeOwned + specta::Type + Send + 'static,
    O: Serialize + specta::Type + 'static,
    F: for<'a> UnaryFn<'a, I, O>,
{
    let f = Arc::new(f);
    let call: UnaryCall = Box::new(move |core: Core, input: Json| {
        let f = Arc::clone(&f);
        Box::pin(async move {
            let input: I = parse_input(name, input)?;
            let output = f.call(&core, input).await?;
            encode(&output)
        })
    });
    declare::<I, O>(name, access, None, Call::Unary(call))
}

/// Declare a streaming operation.
pub fn streaming<I, E, O, F>(name: &'static str, access: Access, f: F) -> Operation
where
    I: DeserializeOwned + specta::Type + Send + 'static,
    E: Serialize + specta::Type + Send + 'static,
    O: Serialize + specta::Type + 'static,
    F: for<'a> StreamFn<'a, I, E, O>,
{
    let f = Arc::new(f);
    let call: StreamCall = Box::new(move |core: Core, input: Json, sink: Sink<Json>| {
        let f = Arc::clone(&f);
        Box::pin(async move {
            let input: I = parse_input(name, input)?;
            // Events that cannot be encoded are a bug in a derive; they are dropped rather than ending the stream.
            let typed = Sink::new(move |event: E| serde_json::to_value(&event).map_or(true, |json| sink.send(json)));
            let output = f.call(&core, input, typed).await?;
            encode(&output)
        })
    });
    declare::<I, O>(name, access, Some(E::definition), Call::Streaming(call))
}

/// An operation reachable everywhere (`.local()` narrows it) with `I` and `O` as its input and output types.
fn declare<I: specta::Type, O: specta::Type>(
    name: &'static str,
    access: Access,
    event: Option<Describe>,
    call: Call,
) -> Operation {
    Operation { name, access, reach: Reach::Everywhere, input: I::definition, output: O::definition, event, call }
}

/// The operation named `name`, if the table declares it.
pub fn find(name: &str) -> Option<&'static Operation> {
    super::table().iter().find(|op| op.name == name)
}

fn unknown(name: &str) -> EdgeError {
    EdgeError::new(EdgeErrorKind::NotFound, format!("no operation {name}"))
}

/// Run a unary operation on JSON input (the transports' one entry point for unary calls).
pub async fn call(core: &Core, op: &Operation, input: Json) -> Result<Json, EdgeError> {
    match &op.call {
        Call::Unary(f) => {
            // A change a signed-in team user makes goes into the audit log, however it ends.
            let audited = (op.access == Access::Mutating && core.user().is_some())
                .then(|| crate::team::audit::subject_of(&input));
            let out = f(core.clone(), input).await;
            if let Some(subject) = audited {
                audit(core, op.name, &subject, &out).await;
            }
            out
        }
        Call::Streaming(_) => Err(EdgeError::new(
            EdgeErrorKind::BadRequest,
            format!("{} is a streaming operation: ask for its event stream", op.name),
        )),
    }
}

/// Record a signed-in user's change in the audit log. The change itself is already made (or refused): a log that
/// cannot be written is reported on stderr and does not turn the call into an error.
async fn audit(core: &Core, operation: &str, subject: &str, out: &Result<Json, EdgeError>) {
    let (Some(user), Some(role)) = (core.user(), core.role()) else { return };
    let outcome = match out {
        Ok(_) => "ok".to_string(),
        Err(e) => format!("{:?}", e.kind()),
    };
    let written = match core.open_team_db().await {
        Ok(db) => crate::team::audit::record(&db, user, role.as_str(), operation, subject, &outcome).await,
        Err(e) => Err(sqlx::Error::Protocol(e.to_string())),
    };
    if let Err(e) = written {
        eprintln!("audit log: cannot record {operation} by {user}: {e}");
    }
}

/// Run a unary operation by name.
pub async fn call_by_name(core: &Core, name: &str, input: Json) -> Result<Json, EdgeError> {
    call(core, find(name).ok_or_else(|| unknown(name))?, input).await
}

/// Start a streaming operation: its messages arrive on the returned stream, ending with `done` or `error`. Dropping
/// the stream stops the operation (a watcher that went away stops a watch).
pub fn stream(
    core: &Core,
    op: &Operation,
    input: Json,
) -> Result<impl Stream<Item = StreamMessage> + use<>, EdgeError> {
    let Call::Streaming(f) = &op.call else {
        return Err(EdgeError::new(EdgeErrorKind::BadRequest, format!("{} is a unary operation", op.name)));
    };
    let (tx, rx) = mpsc::unbounded_channel::<StreamMessage>();
    let events = tx.clone();
    let sink = Sink::new(move |event: Json| events.send(StreamMessage::Event(event)).is_ok());
    let audited = (op.access == Access::Mutating && core.user().is_some())
        .then(|| (core.clone(), op.name, crate::team::audit::subject_of(&input)));
    let run = f(core.clone(), input, sink);
    let task = tokio::spawn(async move {
        let out = run.await;
        if let Some((core, name, subject)) = audited {
            audit(&core, name, &subject, &out).await;
        }
        let last = match out {
            Ok(output) => StreamMessage::Done(output),
            Err(error) => StreamMessage::Error(error),
        };
        let _ = tx.send(last);
    });
    let guard = AbortOnDrop(task);
    Ok(futures::stream::unfold((rx, guard), |(mut rx, guard)| async move {
        let message = rx.recv().await?;
        Some((message, (rx, guard)))
    }))
}

/// Start a streaming operation by name.
pub fn stream_by_name(
    core: &Core,
    name: &str,
    input: Json,
) -> Result<impl Stream<Item = StreamMessage> + use<>, EdgeError> {
    stream(core, find(name).ok_or_else(|| unknown(name))?, input)
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
