//! The one door to the backend: the ONLY file that imports `bindings.ts` runtime values (generated from the core's
//! operation table) or `@tauri-apps/*`. Features call `command(name, input)` for a unary operation and
//! `stream(name, input, onEvent, signal)` for a streaming one; names, inputs, events and outputs all come from the
//! generated `Operations` map. Which transport carries a call is decided here — HTTP (`POST /api/v1/<domain>/<verb>`,
//! JSON or server-sent events) when served by `browser-ai-mlops serve`, Tauri IPC (the app's two commands `call` and
//! `stream`, the latter over a `Channel`) inside the desktop app.
//!
//! Over HTTP a non-2xx body becomes a `CommandError` whose `error` is the `EdgeError` union plus the client's own
//! `Network` and `Protocol`; event streams are read with `fetch` (so the `Authorization` header is sent) and parsed by
//! `lib/sse.ts` into typed events.

import { Channel, invoke as tauriInvoke } from '@tauri-apps/api/core';
import type * as B from '../bindings';
import { OPERATIONS as GENERATED_OPERATIONS } from '../bindings';
import { readSse } from './sse';

export type * from '../bindings';

/** Every operation of the core's table, `"<domain>/<verb>"`. */
export type OperationName = keyof B.Operations;
type OperationsOfShape<S extends 'unary' | 'streaming'> = {
  [K in OperationName]: B.Operations[K]['shape'] extends S ? K : never;
}[OperationName];
/** The unary operations: one input, one output (`command`). */
export type CommandName = OperationsOfShape<'unary'>;
/** The streaming operations: one input, events, then one output (`stream`). */
export type StreamName = OperationsOfShape<'streaming'>;
export type InputOf<K extends OperationName> = B.Operations[K]['input'];
export type OutputOf<K extends OperationName> = B.Operations[K]['output'];
export type EventOf<K extends OperationName> = B.Operations[K]['event'];
/** What the server and the app send for one streaming call. */
export type AnyStreamMessage = B.StreamMessage<unknown, unknown>;

/** The runtime list of operations (name, shape, access, reach), as generated. */
export const OPERATIONS = GENERATED_OPERATIONS;
export type OperationInfo = (typeof OPERATIONS)[number];
// Compile-time check that the runtime list and the type map name the same operations with the same shapes.
type RuntimeShape<K extends OperationName> = Extract<OperationInfo, { name: K }>['shape'];
type ListedShapesMatch = {
  [K in OperationName]: [RuntimeShape<K>] extends [B.Operations[K]['shape']]
    ? [B.Operations[K]['shape']] extends [RuntimeShape<K>]
      ? true
      : K
    : K;
}[OperationName];
const listMatchesTheMap: ListedShapesMatch = true;
void listMatchesTheMap;
const noExtraListed: Exclude<OperationInfo['name'], OperationName> extends never ? true : false = true;
void noExtraListed;

const OPERATION_BY_NAME: ReadonlyMap<string, OperationInfo> = new Map(OPERATIONS.map((o) => [o.name, o]));

/** The table's entry for `name`, or undefined when the core has no such operation. */
export function operationInfo(name: string): OperationInfo | undefined {
  return OPERATION_BY_NAME.get(name);
}

/** Error kinds the backend sends (`EdgeError`, `{kind, detail: {message}}`), plus two the client itself detects. */
export const SERVER_ERROR_KINDS: readonly B.EdgeErrorKind[] = [
  'Input',
  'NotFound',
  'Conflict',
  'Unauthorized',
  'Forbidden',
  'PayloadTooLarge',
  'BadRequest',
  'Failed',
  'Unavailable',
]; // exhaustive: checked against B.EdgeErrorKind below
export type ServerErrorKind = B.EdgeErrorKind;
const everyKindListed: Exclude<B.EdgeErrorKind, (typeof SERVER_ERROR_KINDS)[number]> extends never ? true : false = true;
void everyKindListed;
/** The one error union of both transports: the backend's `EdgeError`, or a client-side failure. */
export type ApiError =
  | B.EdgeError
  /** The server could not be reached at all. */
  | { kind: 'Network'; detail: { message: string } }
  /** The server answered something that is not the agreed JSON. */
  | { kind: 'Protocol'; detail: { message: string; status: number } };

/** Thrown by every transport call; `error` is the typed union. */
export class CommandError extends Error {
  readonly error: ApiError;
  constructor(error: ApiError) {
    super(error.detail.message);
    this.name = 'CommandError';
    this.error = error;
  }
}

export function isServerErrorKind(kind: unknown): kind is ServerErrorKind {
  return typeof kind === 'string' && (SERVER_ERROR_KINDS as readonly string[]).includes(kind);
}

/** Map a non-2xx response (status + body text) to the typed error. */
export function errorFromResponse(status: number, body: string): ApiError {
  try {
    const edge = edgeErrorOf(JSON.parse(body) as unknown);
    if (edge) return edge;
  } catch {
    // not JSON: fall through
  }
  // Not the API's error shape (a proxy page, a static file server): keep the text a person can read, without markup.
  const snippet = body
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  return { kind: 'Protocol', detail: { message: `HTTP ${status}${snippet ? `: ${snippet}` : ''}`, status } };
}

function edgeErrorOf(value: unknown): B.EdgeError | null {
  if (value && typeof value === 'object' && 'kind' in value && 'detail' in value) {
    const { kind, detail } = value as { kind: unknown; detail: unknown };
    const message =
      detail && typeof detail === 'object' && 'message' in detail ? (detail as { message: unknown }).message : null;
    if (isServerErrorKind(kind) && typeof message === 'string') return { kind, detail: { message } } as B.EdgeError;
  }
  return null;
}

function protocol(message: string, status = 0): CommandError {
  return new CommandError({ kind: 'Protocol', detail: { message, status } });
}

/**
 * The one parser of a stream message, for both transports: an SSE `data:` line (a JSON string) or a message
 * delivered on the app's channel (already a value). Throws a Protocol CommandError when it is not a StreamMessage.
 */
export function parseStreamMessage(raw: unknown): AnyStreamMessage {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      throw protocol(`a stream message is not JSON: ${raw.slice(0, 200)}`);
    }
  }
  if (value && typeof value === 'object' && 'type' in value && 'data' in value) {
    const { type, data } = value as { type: unknown; data: unknown };
    if (type === 'event' || type === 'done') return { type, data };
    if (type === 'error') {
      const error = edgeErrorOf(data);
      if (error) return { type, data: error };
    }
  }
  throw protocol(`not a stream message: ${JSON.stringify(value)?.slice(0, 200)}`);
}

/**
 * Folds the messages of one streaming call: events go to `onEvent` (in order), `done` settles with the output,
 * `error` with a CommandError; anything after the end is ignored.
 */
class StreamFold {
  private ended = false;
  private output: unknown = undefined;
  private failure: CommandError | null = null;
  private readonly onEvent: (event: unknown) => void;

  constructor(onEvent: (event: unknown) => void) {
    this.onEvent = onEvent;
  }

  get done(): boolean {
    return this.ended;
  }

  /** Take one raw message; a malformed one ends the stream with a Protocol error. */
  accept(raw: unknown): void {
    if (this.ended) return;
    let msg: AnyStreamMessage;
    try {
      msg = parseStreamMessage(raw);
    } catch (e) {
      this.fail(e instanceof CommandError ? e : protocol(String(e)));
      return;
    }
    if (msg.type === 'event') this.onEvent(msg.data);
    else if (msg.type === 'done') {
      this.ended = true;
      this.output = msg.data;
    } else this.fail(new CommandError(msg.data));
  }

  fail(error: CommandError): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
  }

  /** The output, or the error that ended the stream (a stream cut before its end is a Protocol error). */
  result(what: string): unknown {
    if (this.failure) throw this.failure;
    if (!this.ended) throw protocol(`${what}: the stream ended before its result`);
    return this.output;
  }
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/** A call of a local-only operation over HTTP: the server has no route for it. */
function notServed(name: string): CommandError {
  return new CommandError({
    kind: 'NotFound',
    detail: { message: `${name} is only available in the desktop app and the CLI, not over HTTP` },
  });
}

/** What carries operations: HTTP in a browser, IPC in the desktop app. Names and values are checked by `command`/`stream`. */
export interface Transport {
  readonly kind: 'http' | 'tauri';
  /** Run a unary operation. */
  invoke(name: string, input: unknown): Promise<unknown>;
  /** Run a streaming operation: events to `onEvent` in order, resolves to its output. Abort with `signal`. */
  stream(name: string, input: unknown, onEvent: (event: unknown) => void, signal?: AbortSignal): Promise<unknown>;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
  /** Origin + path prefix; `''` = same origin as the page. */
  baseUrl?: string;
  /** The bearer token, asked for once and kept in sessionStorage by the app. */
  getToken?: () => string | null;
  fetch?: Fetch;
}

/** `browser-ai-mlops serve`: `POST /api/v1/<domain>/<verb>` with the JSON input; JSON back, or SSE for a stream. */
export class HttpTransport implements Transport {
  readonly kind = 'http' as const;
  private readonly base: string;
  private readonly getToken: () => string | null;
  private readonly fetchFn: Fetch;

  constructor(options: HttpOptions = {}) {
    this.base = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.getToken = options.getToken ?? (() => null);
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  private headers(accept: 'application/json' | 'text/event-stream'): Record<string, string> {
    const h: Record<string, string> = { Accept: accept, 'Content-Type': 'application/json' };
    const token = this.getToken();
    if (token) h['Authorization'] = `Bearer ${token}`;
    return h;
  }

  private async post(name: string, input: unknown, accept: 'application/json' | 'text/event-stream', signal?: AbortSignal) {
    if (operationInfo(name)?.reach === 'local') throw notServed(name);
    const init: RequestInit = { method: 'POST', headers: this.headers(accept), body: JSON.stringify(input ?? {}) };
    if (signal) init.signal = signal;
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}/api/v1/${name}`, init);
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      throw new CommandError({ kind: 'Network', detail: { message: `cannot reach the server: ${String(e)}` } });
    }
    if (!res.ok) throw new CommandError(errorFromResponse(res.status, await res.text().catch(() => '')));
    return res;
  }

  async invoke(name: string, input: unknown): Promise<unknown> {
    const res = await this.post(name, input, 'application/json');
    const text = await res.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw protocol(`${name}: the response is not JSON: ${text.slice(0, 200)}`, res.status);
    }
  }

  async stream(name: string, input: unknown, onEvent: (event: unknown) => void, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) throw abortError(signal);
    const res = await this.post(name, input, 'text/event-stream', signal);
    if (!res.body) throw protocol(`${name}: the response has no body`, res.status);
    const fold = new StreamFold(onEvent);
    // Stop reading at the stream's end (`done`/`error`) or when the caller aborts.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await readSse(
        res.body,
        (msg) => {
          fold.accept(msg.data);
          if (fold.done) stop.abort();
        },
        stop.signal,
      );
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      throw new CommandError({ kind: 'Network', detail: { message: `${name}: the stream broke: ${String(e)}` } });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (fold.done) void res.body.cancel().catch(() => undefined);
    }
    if (signal?.aborted && !fold.done) throw abortError(signal);
    return fold.result(name);
  }
}

/** Tauri's `invoke` (injectable for tests). */
export type IpcInvoke = (cmd: string, args: Record<string, unknown>) => Promise<unknown>;
/** The part of Tauri's `Channel` the transport uses: the app sends every message to `onmessage`. */
export interface IpcChannel {
  onmessage: (message: unknown) => void;
}

export interface TauriOptions {
  invoke?: IpcInvoke;
  /** Make a channel for one streaming call (a real `Channel` by default). */
  channel?: () => IpcChannel;
}

/** A rejected IPC call: the operation's `EdgeError`, or (ACL denial, bad argument) Tauri's own text. */
function ipcError(name: string, error: unknown): CommandError {
  const edge = edgeErrorOf(error);
  return edge ? new CommandError(edge) : protocol(`${name}: ${String(error)}`);
}

/** The desktop app: `invoke('call', {op, input})` for unary operations, `invoke('stream', {op, input, channel})`. */
export class TauriTransport implements Transport {
  readonly kind = 'tauri' as const;
  private readonly invokeFn: IpcInvoke;
  private readonly makeChannel: () => IpcChannel;

  constructor(options: TauriOptions = {}) {
    this.invokeFn = options.invoke ?? ((cmd, args) => tauriInvoke(cmd, args));
    this.makeChannel = options.channel ?? (() => new Channel<unknown>());
  }

  async invoke(name: string, input: unknown): Promise<unknown> {
    try {
      return await this.invokeFn('call', { op: name, input: input ?? {} });
    } catch (e) {
      throw ipcError(name, e);
    }
  }

  async stream(name: string, input: unknown, onEvent: (event: unknown) => void, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) throw abortError(signal);
    const fold = new StreamFold((event) => {
      if (!signal?.aborted) onEvent(event);
    });
    let ended: () => void = () => undefined;
    const end = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const channel = this.makeChannel();
    channel.onmessage = (message) => {
      fold.accept(message);
      if (fold.done) ended();
    };
    const call = this.invokeFn('stream', { op: name, input: input ?? {}, channel }).then(
      async () => {
        // The app resolves after its last message; give a message still in flight a moment to arrive.
        if (!fold.done) await Promise.race([end, new Promise((resolve) => setTimeout(resolve, 1_000))]);
      },
      (e: unknown) => fold.fail(ipcError(name, e)),
    );
    if (signal) {
      const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await Promise.race([call, aborted]);
      // The app has no way to stop a stream; the channel just stops delivering to the caller.
      if (signal.aborted && !fold.done) throw abortError(signal);
    } else {
      await call;
    }
    return fold.result(name);
  }
}

const TOKEN_KEY = 'browser-ai-mlops.token';

export function storedToken(): string | null {
  try {
    return globalThis.sessionStorage?.getItem(TOKEN_KEY) ?? null;
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  if (token) globalThis.sessionStorage?.setItem(TOKEN_KEY, token);
  else globalThis.sessionStorage?.removeItem(TOKEN_KEY);
}

function pickTransport(): Transport {
  const inTauri = typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
  return inTauri ? new TauriTransport() : new HttpTransport({ getToken: storedToken });
}

let active: Transport = pickTransport();

/** Replace the transport (tests, or a different server URL). */
export function setTransport(t: Transport): void {
  active = t;
}

export function transport(): Transport {
  return active;
}

/** Run one unary operation with its typed input; resolves to its typed output or rejects with a CommandError. */
export async function command<K extends CommandName>(name: K, input: InputOf<K>): Promise<OutputOf<K>> {
  return (await active.invoke(name, input)) as OutputOf<K>;
}

/**
 * Run one streaming operation: each event goes to `onEvent` in order; resolves to the typed output after `done`,
 * rejects with a CommandError after `error` (or a transport failure), or with the abort reason when `signal` aborts.
 */
export async function stream<K extends StreamName>(
  name: K,
  input: InputOf<K>,
  onEvent: (event: EventOf<K>) => void,
  signal?: AbortSignal,
): Promise<OutputOf<K>> {
  return (await active.stream(name, input, (e) => onEvent(e as EventOf<K>), signal)) as OutputOf<K>;
}
