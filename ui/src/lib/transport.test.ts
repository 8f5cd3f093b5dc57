// Transport tests: the HTTP request shape, the bearer token, error bodies → the typed union, SSE event streams
// read through fetch, and the Tauri transport (generated commands + the typed job event). A recording fake `fetch`
// stands in for the server; recording fake `commands`/`events` objects stand in for the app's IPC.
import { describe, expect, it } from 'vitest';
import type { EvalEvent, EvalJobEvent } from '../bindings';
import { CommandError, HttpTransport, TauriTransport, errorFromResponse, parseEvalEvent, type JobEvents } from './transport';

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
    const e = await rejection(new HttpTransport({ fetch: f.fetch }).invoke('runs/show_run', { run_id: 'x' }));
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

describe('HttpTransport evaluation jobs', () => {
  it('launches with the BenchmarkRequest as body and lists jobs with GET', async () => {
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
    expect(await t.launchEval(req)).toEqual({ job_id: 'j1' });
    expect(await t.listEvalJobs()).toEqual([{ job_id: 'j1' }]);
    expect(f.calls[0]?.url).toBe('/api/v1/evals/launch');
    expect(JSON.parse(String(f.calls[0]?.init?.body))).toEqual(req);
    expect(f.calls[1]?.url).toBe('/api/v1/evals/jobs');
    expect(f.calls[1]?.init?.method).toBe('GET');
  });

  it('reads EvalEvents from the SSE stream, with chunks split mid-line, skipping keep-alives and unknown data', async () => {
    const events: EvalEvent[] = [
      { type: 'started', evaluation_id: 'e1', attempts: 2, skipped: 0 },
      { type: 'attempt_started', task_id: 'search-1', attempt: 1 },
      { type: 'attempt_finished', task_id: 'search-1', attempt: 1, success: true, score: 1, steps: 3, error: null },
      { type: 'finished', evaluation_id: 'e1' },
    ];
    const text = `: keep-alive\n\n${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('')}data: {"type":"nonsense"}\n\n`;
    const chunks = [text.slice(0, 7), text.slice(7, 50), text.slice(50, 51), text.slice(51)];
    const f = fakeFetch(() => new Response(streamOf(chunks), { headers: { 'Content-Type': 'text/event-stream' } }));
    const t = new HttpTransport({ fetch: f.fetch, getToken: () => 'tok' });
    const seen: EvalEvent[] = [];
    await t.watchEval('job/1', (e) => seen.push(e));
    expect(seen).toEqual(events);
    expect(f.calls[0]?.url).toBe('/api/v1/evals/jobs/job%2F1/events');
    expect(header(f.calls[0]?.init, 'Accept')).toBe('text/event-stream');
    expect(header(f.calls[0]?.init, 'Authorization')).toBe('Bearer tok');
  });

  it('rejects with the typed error an `event: error` message carries, after delivering the events before it', async () => {
    const started = { type: 'started', evaluation_id: 'e2', attempts: 1, skipped: 0 };
    const body = `event: started\ndata: ${JSON.stringify(started)}\n\nevent: error\ndata: {"kind":"Failed","detail":{"message":"chromium exited"}}\n\n`;
    const f = fakeFetch(() => new Response(streamOf([body])));
    const seen: EvalEvent[] = [];
    const e = await rejection(new HttpTransport({ fetch: f.fetch }).watchEval('j2', (ev) => seen.push(ev)));
    expect(seen).toEqual([started]);
    expect(e.error).toEqual({ kind: 'Failed', detail: { message: 'chromium exited' } });
  });

  it('rejects with the typed error when the event stream request fails', async () => {
    const f = fakeFetch(() => new Response(JSON.stringify({ kind: 'NotFound', detail: { message: 'no job j9' } }), { status: 404 }));
    const e = await rejection(new HttpTransport({ fetch: f.fetch }).watchEval('j9', () => undefined));
    expect(e.error).toEqual({ kind: 'NotFound', detail: { message: 'no job j9' } });
  });

  it('parseEvalEvent accepts only the four event types', () => {
    expect(parseEvalEvent('{"type":"finished","evaluation_id":"e"}')).toEqual({ type: 'finished', evaluation_id: 'e' });
    expect(parseEvalEvent('{"type":"other"}')).toBeNull();
    expect(parseEvalEvent('{oops')).toBeNull();
  });
});

/** Fake generated commands: each records its input and answers what `answer` says. */
function fakeCommands(answer: (name: string, input: unknown) => unknown) {
  const calls: { name: string; input: unknown }[] = [];
  const commands = new Proxy(
    {},
    {
      get: (_t, name: string) =>
        name === 'not_a_command'
          ? undefined
          : async (input: unknown) => {
              calls.push({ name, input });
              return answer(name, input);
            },
    },
  );
  return { calls, commands };
}

/** A fake event bus with tauri-specta's `listen` shape. */
function fakeEvents() {
  let listeners: ((e: { payload: EvalJobEvent }) => void)[] = [];
  const events: JobEvents = {
    eval_job_event: {
      listen: async (cb) => {
        listeners.push(cb);
        return () => {
          listeners = listeners.filter((l) => l !== cb);
        };
      },
    },
  };
  const emit = (payload: EvalJobEvent) => listeners.forEach((l) => l({ payload }));
  return { events, emit, count: () => listeners.length };
}

describe('TauriTransport', () => {
  it('calls the generated command named domain_op with the input and returns its data', async () => {
    const { calls, commands } = fakeCommands(() => ({ status: 'ok', data: { models: [] } }));
    const t = new TauriTransport(commands, fakeEvents().events);
    expect(TauriTransport.commandName('run_search/search')).toBe('run_search_search');
    expect(await t.invoke('models/list', {})).toEqual({ models: [] });
    expect(await t.invoke('run_search/search', { filter: 'x' })).toEqual({ models: [] });
    expect(calls).toEqual([
      { name: 'models_list', input: {} },
      { name: 'run_search_search', input: { filter: 'x' } },
    ]);
  });

  it('turns the command error into the same typed union as HTTP, and Tauri text errors into Protocol', async () => {
    const { commands } = fakeCommands((name) =>
      name === 'models_show'
        ? { status: 'error', error: { kind: 'NotFound', detail: { message: 'no model x' } } }
        : { status: 'error', error: 'command models_list not allowed by ACL' },
    );
    const t = new TauriTransport(commands, fakeEvents().events);
    const e = await rejection(t.invoke('models/show', { name: 'x' }));
    expect(e.error).toEqual({ kind: 'NotFound', detail: { message: 'no model x' } });
    const denied = await rejection(t.invoke('models/list', {}));
    expect(denied.error.kind).toBe('Protocol');
    expect(denied.error.detail.message).toContain('not allowed by ACL');
    const missing = await rejection(t.invoke('not/a_command', {}));
    expect(missing.error.kind).toBe('NotFound');
  });

  it('launches and lists jobs through evals_launch and evals_jobs', async () => {
    const { calls, commands } = fakeCommands((name) =>
      name === 'evals_launch' ? { status: 'ok', data: { job_id: 'j1' } } : { status: 'ok', data: [] },
    );
    const t = new TauriTransport(commands, fakeEvents().events);
    const request = { model: 'm@1', suite: null } as unknown as Parameters<typeof t.launchEval>[0];
    expect(await t.launchEval(request)).toEqual({ job_id: 'j1' });
    expect(await t.listEvalJobs()).toEqual([]);
    expect(calls.map((c) => c.name)).toEqual(['evals_launch', 'evals_jobs']);
  });

  it('watchEval delivers only its own job events, in order, and stops listening when the watch ends', async () => {
    const bus = fakeEvents();
    const { commands } = fakeCommands((_name, input) => {
      const { job_id, watch_id } = input as { job_id: string; watch_id: string };
      const started: EvalEvent = { type: 'started', evaluation_id: 'e1', attempts: 1, skipped: 0 };
      const finished: EvalEvent = { type: 'finished', evaluation_id: 'e1' };
      bus.emit({ watch_id: 'someone-else', job_id, update: { kind: 'eval', data: finished } });
      bus.emit({ watch_id, job_id, update: { kind: 'eval', data: started } });
      bus.emit({ watch_id, job_id, update: { kind: 'eval', data: finished } });
      return { status: 'ok', data: { job_id, state: 'finished' } };
    });
    const t = new TauriTransport(commands, bus.events);
    const seen: EvalEvent[] = [];
    await t.watchEval('j1', (e) => seen.push(e));
    expect(seen.map((e) => e.type)).toEqual(['started', 'finished']);
    expect(bus.count()).toBe(0);
  });

  it('watchEval rejects with the error event that ended the job', async () => {
    const bus = fakeEvents();
    const { commands } = fakeCommands((_name, input) => {
      const { job_id, watch_id } = input as { job_id: string; watch_id: string };
      const error = { kind: 'Input', detail: { message: 'no task matches' } } as const;
      bus.emit({ watch_id, job_id, update: { kind: 'error', data: error } });
      return { status: 'ok', data: { job_id, state: 'failed' } };
    });
    const e = await rejection(new TauriTransport(commands, bus.events).watchEval('j1', () => {}));
    expect(e.error).toEqual({ kind: 'Input', detail: { message: 'no task matches' } });
  });
});
