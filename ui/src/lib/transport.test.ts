// Transport tests: the HTTP request shape, the bearer token, error bodies → the typed union, streaming operations
// read as SSE through fetch (StreamMessage per `data:` line), and the Tauri transport (`invoke('call')` and
// `invoke('stream')` with a Channel). A recording fake `fetch` stands in for the server; a recording fake `invoke`
// and a fake Channel stand in for the app's IPC.
import { describe, expect, it } from 'vitest';
import type { EvalEvent, JobInfo } from '../bindings';
import {
  CommandError,
  HttpTransport,
  TauriTransport,
  errorFromResponse,
  parseStreamMessage,
  setTransport,
  stream,
  transport,
  type IpcChannel,
} from './transport';

interface Call {
  url: string;
  init: RequestInit | undefined;
}

function fakeFetch(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = async (url: string, init?: RequestInit) => {
    const call = { url, init };
    calls.push(call);
    return respond(call);
  };
  return { calls, fetch };
}

function header(init: RequestInit | undefined, name: string): string | undefined {
  return (init?.headers as Record<string, string> | undefined)?.[name];
}

async function rejection(p: Promise<unknown>): Promise<CommandError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CommandError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('HttpTransport.invoke', () => {
  it('POSTs the typed input as JSON to /api/v1/<domain>/<op> and returns the parsed output', async () => {
    const f = fakeFetch(() => new Response(JSON.stringify({ id: 'd1', target: 'production' }), { status: 200 }));
    const t = new HttpTransport({ baseUrl: 'http://127.0.0.1:9/', fetch: f.fetch });
    const input = { reference: 'agent:2', target: 'production', reason: 'better' };
    const out = await t.invoke('models/deploy', input);
    expect(out).toEqual({ id: 'd1', target: 'production' });
    expect(f.calls).toHaveLength(1);
    expect(f.calls[0]?.url).toBe('http://127.0.0.1:9/api/v1/models/deploy');
    expect(f.calls[0]?.init?.method).toBe('POST');
    expect(JSON.parse(String(f.calls[0]?.init?.body))).toEqual(input);
    expect(header(f.calls[0]?.init, 'Content-Type')).toBe('application/json');
  });

  it('sends Authorization: Bearer <token> only when a token is set', async () => {
    let token: string | null = 's3cret-token';
    const f = fakeFetch(() => new Response('{}'));
    const t = new HttpTransport({ fetch: f.fetch, getToken: () => token });
    await t.invoke('models/list', {});
    token = null;
    await t.invoke('models/list', {});
    expect(header(f.calls[0]?.init, 'Authorization')).toBe('Bearer s3cret-token');
    expect(header(f.calls[1]?.init, 'Authorization')).toBeUndefined();
  });

  it.each([
    ['Input', 400],
    ['NotFound', 404],
    ['Conflict', 409],
    ['Unauthorized', 401],
    ['PayloadTooLarge', 413],
    ['BadRequest', 400],
    ['Failed', 500],
    ['Unavailable', 503],
  ] as const)('maps a %s error body to the typed union', async (kind, status) => {
    const body = JSON.stringify({ kind, detail: { message: `something about ${kind}` } });
    const f = fakeFetch(() => new Response(body, { status }));
    const e = await rejection(new HttpTransport({ fetch: f.fetch }).invoke('runs/show', { run_id: 'x' }));
    expect(e.error).toEqual({ kind, detail: { message: `something about ${kind}` } });
    expect(e.message).toBe(`something about ${kind}`);
  });

  it('turns a non-JSON or unknown-kind error body into a Protocol error with the status', async () => {
    expect(errorFromResponse(502, '<html><style>p{}</style><h1>Bad</h1>\n  <p>gateway</p></html>')).toEqual({
      kind: 'Protocol',
      detail: { message: 'HTTP 502: Bad gateway', status: 502 },
    });
    const unknownKind = errorFromResponse(500, JSON.stringify({ kind: 'Teapot', detail: { message: 'x' } }));
    expect(unknownKind.kind).toBe('Protocol');
  });

  it('reports an unreachable server as a Network error', async () => {
    const t = new HttpTransport({
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    const e = await rejection(t.invoke('models/list', {}));
    expect(e.error.kind).toBe('Network');
    expect(e.error.detail.message).toContain('fetch failed');
  });

  it('reports a 200 answer that is not JSON as a Protocol error', async () => {
    const f = fakeFetch(() => new Response('not json', { status: 200 }));
    const e = await rejection(new HttpTransport({ fetch: f.fetch }).invoke('models/list', {}));
    expect(e.error.kind).toBe('Protocol');
  });
});

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(enc.encode(c));
      controller.close();
    },
  });
}

/** One StreamMessage as the server writes it: `event: <type>` and one `data:` line of JSON. */
const sse = (msg: { type: string; data: unknown }) => `event: ${msg.type}\ndata: ${JSON.stringify(msg)}\n\n`;

const STARTED: EvalEvent = { type: 'started', evaluation_id: 'e1', attempts: 2, skipped: 0 };
const ATTEMPT: EvalEvent = { type: 'attempt_started', task_id: 'search-1', attempt: 1 };
const FINISHED: EvalEvent = { type: 'finished', evaluation_id: 'e1' };
const JOB: JobInfo = {
  job_id: 'j1',
  state: 'finished',
  evaluation_id: 'e1',
  attempts: 2,
  skipped: 0,
  attempts_done: 2,
  successes: 2,
  error: null,
  created_at_ms: 1,
  finished_at_ms: 2,
};

describe('HttpTransport evaluation jobs (unary)', () => {
  it('launches with the BenchmarkRequest as body and lists jobs with POST {}', async () => {
    const f = fakeFetch((c) =>
      c.url.endsWith('/launch') ? new Response(JSON.stringify({ job_id: 'j1' })) : new Response(JSON.stringify([{ job_id: 'j1' }])),
    );
    const t = new HttpTransport({ fetch: f.fetch });
    const req = {
      model: 'agent:1',
      suite: 'builtin',
      filter: { category: null, difficulty: null, ids: [] },
      repeats: 2,
      concurrency: 1,
      resume: null,
      miniwob_dir: null,
      headful: false,
    };
    expect(await t.invoke('evals/launch', req)).toEqual({ job_id: 'j1' });
    expect(await t.invoke('evals/jobs', {})).toEqual([{ job_id: 'j1' }]);
    expect(f.calls[0]?.url).toBe('/api/v1/evals/launch');
    expect(JSON.parse(String(f.calls[0]?.init?.body))).toEqual(req);
    expect(f.calls[1]?.url).toBe('/api/v1/evals/jobs');
    expect(f.calls[1]?.init?.method).toBe('POST');
    expect(JSON.parse(String(f.calls[1]?.init?.body))).toEqual({});
  });

  it('refuses a local-only operation over HTTP without a request', async () => {
    const f = fakeFetch(() => new Response('{}'));
    const e = await rejection(new HttpTransport({ fetch: f.fetch }).invoke('secrets/set', { name: 'x', value: 'y' }));
    expect(e.error.kind).toBe('NotFound');
    expect(f.calls).toHaveLength(0);
  });
});

describe('HttpTransport.stream', () => {
  it('POSTs the input asking for SSE, delivers events in order (chunks split mid-line, keep-alives) and resolves to done', async () => {
    const text =
      `: keep-alive\n\n` +
      sse({ type: 'event', data: STARTED }) +
      sse({ type: 'event', data: ATTEMPT }) +
      sse({ type: 'event', data: FINISHED }) +
      sse({ type: 'done', data: JOB });
    const chunks = [text.slice(0, 7), text.slice(7, 50), text.slice(50, 51), text.slice(51)];
    const f = fakeFetch(() => new Response(streamOf(chunks), { headers: { 'Content-Type': 'text/event-stream' } }));
    const t = new HttpTransport({ fetch: f.fetch, getToken: () => 'tok' });
    const seen: unknown[] = [];
    const out = await t.stream('evals/watch', { job_id: 'job/1' }, (e) => seen.push(e));
    expect(seen).toEqual([STARTED, ATTEMPT, FINISHED]);
    expect(out).toEqual(JOB);
    expect(f.calls[0]?.url).toBe('/api/v1/evals/watch');
    expect(f.calls[0]?.init?.method).toBe('POST');
    expect(JSON.parse(String(f.calls[0]?.init?.body))).toEqual({ job_id: 'job/1' });
    expect(header(f.calls[0]?.init, 'Accept')).toBe('text/event-stream');
    expect(header(f.calls[0]?.init, 'Content-Type')).toBe('application/json');
    expect(header(f.calls[0]?.init, 'Authorization')).toBe('Bearer tok');
  });

  it('rejects with the typed error an `error` message carries, after delivering the events before it', async () => {
    const body =
      sse({ type: 'event', data: STARTED }) +
      sse({ type: 'error', data: { kind: 'Failed', detail: { message: 'chromium exited' } } }) +
      sse({ type: 'event', data: FINISHED });
    const f = fakeFetch(() => new Response(streamOf([body])));
    const seen: unknown[] = [];
    const e = await rejection(new HttpTransport({ fetch: f.fetch }).stream('evals/benchmark', {}, (ev) => seen.push(ev)));
    expect(seen).toEqual([STARTED]);
    expect(e.error).toEqual({ kind: 'Failed', detail: { message: 'chromium exited' } });
  });

  it('rejects with the typed error when the stream request itself fails', async () => {
    const f = fakeFetch(() => new Response(JSON.stringify({ kind: 'NotFound', detail: { message: 'no job j9' } }), { status: 404 }));
    const e = await rejection(new HttpTransport({ fetch: f.fetch }).stream('evals/watch', { job_id: 'j9' }, () => undefined));
    expect(e.error).toEqual({ kind: 'NotFound', detail: { message: 'no job j9' } });
  });

  it('rejects with a Protocol error when the stream ends without done, or carries something else', async () => {
    const cut = fakeFetch(() => new Response(streamOf([sse({ type: 'event', data: 'line 1' })])));
    const seen: unknown[] = [];
    const e = await rejection(new HttpTransport({ fetch: cut.fetch }).stream('demo/load', {}, (l) => seen.push(l)));
    expect(seen).toEqual(['line 1']);
    expect(e.error.kind).toBe('Protocol');
    const junk = fakeFetch(() => new Response(streamOf(['data: {"type":"finished"}\n\n'])));
    const j = await rejection(new HttpTransport({ fetch: junk.fetch }).stream('demo/load', {}, () => undefined));
    expect(j.error.kind).toBe('Protocol');
  });

  it('stops with the abort reason when the signal aborts', async () => {
    const abort = new AbortController();
    abort.abort(new Error('gone'));
    const f = fakeFetch(() => new Response(streamOf([sse({ type: 'done', data: JOB })])));
    await expect(new HttpTransport({ fetch: f.fetch }).stream('evals/watch', { job_id: 'j1' }, () => {}, abort.signal)).rejects.toThrow(
      'gone',
    );
    expect(f.calls).toHaveLength(0);
  });
});

describe('parseStreamMessage', () => {
  it('accepts the three message types from JSON text or a value', () => {
    expect(parseStreamMessage('{"type":"event","data":"hello"}')).toEqual({ type: 'event', data: 'hello' });
    expect(parseStreamMessage({ type: 'done', data: { x: 1 } })).toEqual({ type: 'done', data: { x: 1 } });
    const error = { type: 'error', data: { kind: 'Input', detail: { message: 'bad' } } };
    expect(parseStreamMessage(JSON.stringify(error))).toEqual(error);
  });

  it('rejects anything else as a Protocol error', () => {
    for (const bad of ['{oops', '{"type":"finished"}', '{"type":"error","data":"text"}', null, 3]) {
      let caught: unknown = null;
      try {
        parseStreamMessage(bad);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CommandError);
      expect((caught as CommandError).error.kind).toBe('Protocol');
    }
  });
});

/** A fake Tauri `invoke`: records each call; `stream` calls get their channel to send on. */
function fakeIpc(answer: (cmd: string, args: Record<string, unknown>, send: (m: unknown) => void) => unknown) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  const invoke = async (cmd: string, args: Record<string, unknown>) => {
    calls.push({ cmd, args });
    const channel = args['channel'] as IpcChannel | undefined;
    return answer(cmd, args, (m) => channel?.onmessage(m));
  };
  const channel = (): IpcChannel => ({ onmessage: () => {} });
  return { calls, invoke, channel };
}

describe('TauriTransport', () => {
  it('runs a unary operation with invoke("call", {op, input}) and returns its output', async () => {
    const ipc = fakeIpc(() => ({ models: [] }));
    const t = new TauriTransport(ipc);
    expect(await t.invoke('models/list', {})).toEqual({ models: [] });
    expect(await t.invoke('runs/search', { filter: 'x' })).toEqual({ models: [] });
    expect(ipc.calls).toEqual([
      { cmd: 'call', args: { op: 'models/list', input: {} } },
      { cmd: 'call', args: { op: 'runs/search', input: { filter: 'x' } } },
    ]);
  });

  it('turns the EdgeError rejection into the same typed union as HTTP, and Tauri text errors into Protocol', async () => {
    const ipc = fakeIpc((_cmd, args) => {
      if (args['op'] === 'models/show') throw { kind: 'NotFound', detail: { message: 'no model x' } };
      throw 'command call not allowed by ACL';
    });
    const t = new TauriTransport(ipc);
    const e = await rejection(t.invoke('models/show', { name: 'x' }));
    expect(e.error).toEqual({ kind: 'NotFound', detail: { message: 'no model x' } });
    const denied = await rejection(t.invoke('models/list', {}));
    expect(denied.error.kind).toBe('Protocol');
    expect(denied.error.detail.message).toContain('not allowed by ACL');
  });

  it('runs a streaming operation with invoke("stream", {op, input, channel}), delivering messages in order', async () => {
    const ipc = fakeIpc((_cmd, _args, send) => {
      send({ type: 'event', data: STARTED });
      send({ type: 'event', data: ATTEMPT });
      send({ type: 'event', data: FINISHED });
      send({ type: 'done', data: JOB });
      return null;
    });
    const seen: unknown[] = [];
    const out = await new TauriTransport(ipc).stream('evals/watch', { job_id: 'j1' }, (e) => seen.push(e));
    expect(seen).toEqual([STARTED, ATTEMPT, FINISHED]);
    expect(out).toEqual(JOB);
    expect(ipc.calls).toHaveLength(1);
    expect(ipc.calls[0]?.cmd).toBe('stream');
    expect(ipc.calls[0]?.args['op']).toBe('evals/watch');
    expect(ipc.calls[0]?.args['input']).toEqual({ job_id: 'j1' });
    expect(ipc.calls[0]?.args['channel']).toBeDefined();
  });

  it('rejects a stream with the error message it ends with, after the events before it', async () => {
    const ipc = fakeIpc((_cmd, _args, send) => {
      send({ type: 'event', data: 'line 1' });
      send({ type: 'error', data: { kind: 'Input', detail: { message: 'no task matches' } } });
      send({ type: 'event', data: 'late' });
      return null;
    });
    const seen: unknown[] = [];
    const e = await rejection(new TauriTransport(ipc).stream('demo/load', {}, (l) => seen.push(l)));
    expect(seen).toEqual(['line 1']);
    expect(e.error).toEqual({ kind: 'Input', detail: { message: 'no task matches' } });
  });

  it('rejects a stream whose invoke is refused with the typed error', async () => {
    const ipc = fakeIpc(() => {
      throw { kind: 'Unavailable', detail: { message: 'busy' } };
    });
    const e = await rejection(new TauriTransport(ipc).stream('monitor/watch', {}, () => {}));
    expect(e.error).toEqual({ kind: 'Unavailable', detail: { message: 'busy' } });
  });
});

describe('command() and stream() go through the active transport', () => {
  it('stream() passes events and returns the output', async () => {
    const saved = transport();
    const ipc = fakeIpc((_cmd, _args, send) => {
      send({ type: 'event', data: 'loading runs' });
      send({ type: 'done', data: { narrative: ['loading runs'], report: {} } });
      return null;
    });
    setTransport(new TauriTransport(ipc));
    try {
      const lines: string[] = [];
      const out = await stream('demo/load', { no_eval: true }, (l) => lines.push(l));
      expect(lines).toEqual(['loading runs']);
      expect(out.narrative).toEqual(['loading runs']);
    } finally {
      setTransport(saved);
    }
  });
});
