//! The one door to the backend: the ONLY file that imports `bindings.ts` (generated from the Rust types) or
//! `@tauri-apps/*`. Features call `command(name, input)`; which transport carries it is decided here — HTTP
//! (`POST /api/v1/<domain>/<op>`, server-sent events) when served by `browser-ai-mlops serve`, Tauri IPC
//! (`<domain>_<op>`) inside the desktop app (a stub until the shell lands).

import type * as B from '../bindings';
import { readSse } from './sse';

export type * from '../bindings';

/** Every command: `"<domain>/<op>"` (the Rust `api::<domain>::<op>` function) → [input, output]. */
export interface Commands {
  'experiments/create_experiment': [B.CreateExperimentInput, B.Experiment];
  'experiments/list_experiments': [B.ListExperimentsInput, B.ExperimentInfo[]];
  'experiments/show_experiment': [B.ExperimentRef, B.ExperimentInfo];
  'experiments/rename_experiment': [B.RenameExperimentInput, B.Experiment];
  'experiments/archive_experiment': [B.ExperimentRef, B.Experiment];
  'experiments/restore_experiment': [B.ExperimentRef, B.Experiment];
  'experiments/set_experiment_tag': [B.SetExperimentTagInput, B.Experiment];
  'experiments/describe_experiment': [B.DescribeExperimentInput, B.Experiment];
  'experiments/compare_experiments': [B.CompareExperimentsInput, B.ExperimentComparison];
  'runs/show_run': [B.RunRef, B.RunSummary];
  'runs/delete_run': [B.RunRef, B.Run];
  'runs/timeline': [B.RunRef, B.RunTimeline];
  'runs/compare_runs': [B.CompareRunsInput, B.RunComparison];
  'runs/metric_history': [B.RunKeyInput, B.MetricHistory];
  'runs/set_tag': [B.KeyValueInput, B.KeyValueInput];
  'runs/delete_tag': [B.RunKeyInput, B.RunKeyInput];
  'run_search/search': [B.SearchRunsInput, B.RunPage];
  'run_search/list': [B.ListRunsInput, B.RunPage];
  'models/list': [B.ListModelsInput, B.ListModelsOutput];
  'models/show': [B.ModelNameInput, B.ModelDetail];
  'models/versions': [B.ModelNameInput, B.VersionsOutput];
  'models/version_show': [B.VersionRefInput, B.ModelVersion];
  'models/compare': [B.CompareInput, B.Comparison];
  'models/deploy': [B.DeployInput, B.Deployment];
  'models/rollback': [B.RollbackInput, B.Deployment];
  'models/history': [B.HistoryInput, B.HistoryOutput];
  'models/archive': [B.ArchiveInput, B.ModelVersion];
  'evals/list_tasks': [B.ListTasksInput, B.ListTasksOutput];
  'evals/results': [B.EvaluationIdInput, B.EvaluationResults];
  'evals/compare': [B.CompareEvaluationsInput, B.EvaluationComparison];
  'evals/list': [B.ListEvaluationsInput, B.ListEvaluationsOutput];
  'config/list_envs': [B.ListEnvsInput, B.ListEnvsOutput];
  'config/load': [B.EnvInput, B.LoadOutput];
  'config/show': [B.ShowInput, B.ShowOutput];
  'config/validate': [B.EnvInput, B.ValidateOutput];
  'config/set': [B.SetInput, B.WriteOutput];
  'config/set_feature_flag': [B.SetFeatureFlagInput, B.WriteOutput];
  'secrets/status': [B.SecretsStatusInput, B.SecretsStatusOutput];
  // Desktop app only (Tauri IPC): the server never serves set/delete, so over HTTP these answer 404.
  'secrets/set': [B.SetSecretInput, B.SetSecretOutput];
  'secrets/delete': [B.DeleteSecretInput, B.DeleteSecretOutput];
  'runs/artifact': [B.ArtifactInput, B.ArtifactContent];
  'monitor/performance': [B.PerformanceInput, B.PerformanceSummary];
  'monitor/errors': [B.ErrorsInput, B.ErrorList];
  'monitor/resolve_error': [B.ResolveErrorInput, B.ResolvedError];
  'health/health': [B.HealthInput, B.HealthOutput];
  'health/health_history': [B.HealthHistoryInput, B.HealthHistoryOutput];
  'health/alerts': [B.AlertsInput, B.AlertsOutput];
  'health/evaluate_alerts': [B.EvaluateAlertsInput, B.AlertEvaluation];
  'health/watch_snapshot': [B.WatchInput, B.WatchSnapshot];
  'reports/generate': [B.GenerateReportInput, B.GenerateReportOutput];
}
export type CommandName = keyof Commands;
export type InputOf<K extends CommandName> = Commands[K][0];
export type OutputOf<K extends CommandName> = Commands[K][1];

/** Error kinds the server sends (`{kind, detail: {message}}`), plus two the client itself detects. */
export const SERVER_ERROR_KINDS = [
  'Input',
  'NotFound',
  'Conflict',
  'Unauthorized',
  'PayloadTooLarge',
  'BadRequest',
  'Failed',
  'Unavailable',
] as const;
export type ServerErrorKind = (typeof SERVER_ERROR_KINDS)[number];
// HAND-TYPED UNTIL MERGE: serve's error type joins bindings.ts with the merge; this mirrors its wire shape.
export type ApiError =
  | { kind: ServerErrorKind; detail: { message: string } }
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
    const v: unknown = JSON.parse(body);
    if (v && typeof v === 'object' && 'kind' in v && 'detail' in v) {
      const { kind, detail } = v as { kind: unknown; detail: unknown };
      const message =
        detail && typeof detail === 'object' && 'message' in detail ? (detail as { message: unknown }).message : null;
      if (isServerErrorKind(kind) && typeof message === 'string') return { kind, detail: { message } };
    }
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

/** Job accepted by `POST /api/v1/evals/launch`. */
export interface LaunchedJob {
  job_id: string;
}
// HAND-TYPED UNTIL MERGE: mirrors serve's `JobInfo` (src/server/jobs.rs), which joins bindings.ts at the merge.
export interface EvalJob {
  job_id: string;
  state: 'running' | 'finished' | 'failed';
  evaluation_id: string | null;
  attempts: number | null;
  skipped: number;
  attempts_done: number;
  successes: number;
  error: string | null;
  created_at_ms: number;
  finished_at_ms: number | null;
}

/** What carries commands: HTTP in a browser, IPC in the desktop app. */
export interface Transport {
  readonly kind: 'http' | 'tauri';
  invoke(name: string, input: unknown): Promise<unknown>;
  launchEval(request: B.BenchmarkRequest): Promise<LaunchedJob>;
  listEvalJobs(): Promise<EvalJob[]>;
  /** Follow a job's live events; resolves when the stream ends. Abort with `signal`. */
  watchEval(jobId: string, onEvent: (e: B.EvalEvent) => void, signal?: AbortSignal): Promise<void>;
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
  /** Origin + path prefix; `''` = same origin as the page. */
  baseUrl?: string;
  /** The bearer token, asked for once and kept in sessionStorage by the app. */
  getToken?: () => string | null;
  fetch?: Fetch;
}

/** `browser-ai-mlops serve`: JSON over `POST /api/v1/<domain>/<op>`, SSE for live evaluation events. */
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

  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = { Accept: json ? 'application/json' : 'text/event-stream' };
    if (json) h['Content-Type'] = 'application/json';
    const token = this.getToken();
    if (token) h['Authorization'] = `Bearer ${token}`;
    return h;
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}${path}`, init);
    } catch (e) {
      throw new CommandError({ kind: 'Network', detail: { message: `cannot reach the server: ${String(e)}` } });
    }
    if (!res.ok) throw new CommandError(errorFromResponse(res.status, await res.text().catch(() => '')));
    return res;
  }

  private async json(path: string, init: RequestInit): Promise<unknown> {
    const res = await this.request(path, init);
    const text = await res.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CommandError({
        kind: 'Protocol',
        detail: { message: `${path}: the response is not JSON: ${text.slice(0, 200)}`, status: res.status },
      });
    }
  }

  invoke(name: string, input: unknown): Promise<unknown> {
    return this.json(`/api/v1/${name}`, { method: 'POST', headers: this.headers(true), body: JSON.stringify(input) });
  }

  async launchEval(request: B.BenchmarkRequest): Promise<LaunchedJob> {
    return (await this.invoke('evals/launch', request)) as LaunchedJob;
  }

  async listEvalJobs(): Promise<EvalJob[]> {
    return (await this.json('/api/v1/evals/jobs', { method: 'GET', headers: this.headers(true) })) as EvalJob[];
  }

  async watchEval(jobId: string, onEvent: (e: B.EvalEvent) => void, signal?: AbortSignal): Promise<void> {
    const path = `/api/v1/evals/jobs/${encodeURIComponent(jobId)}/events`;
    const init: RequestInit = { method: 'GET', headers: this.headers(false) };
    if (signal) init.signal = signal;
    const res = await this.request(path, init);
    if (!res.body) throw new CommandError({ kind: 'Protocol', detail: { message: `${path}: no body`, status: 0 } });
    // The server ends a failed job's stream with `event: error` carrying the usual error body.
    let failure: ApiError | null = null;
    await readSse(
      res.body,
      (msg) => {
        if (msg.event === 'error') {
          failure = errorFromResponse(500, msg.data);
          return;
        }
        const event = parseEvalEvent(msg.data);
        if (event) onEvent(event);
      },
      signal,
    );
    if (failure) throw new CommandError(failure);
  }
}

const EVAL_EVENT_TYPES = ['started', 'attempt_started', 'attempt_finished', 'finished'];

/** One SSE `data:` payload → an EvalEvent, or null when it is not one (unknown types are skipped, not fatal). */
export function parseEvalEvent(data: string): B.EvalEvent | null {
  try {
    const v: unknown = JSON.parse(data);
    if (v && typeof v === 'object' && 'type' in v && EVAL_EVENT_TYPES.includes(String((v as { type: unknown }).type)))
      return v as B.EvalEvent;
  } catch {
    // ignore malformed payloads
  }
  return null;
}

// ---- TAURI TRANSPORT: STUB until the desktop shell (src-tauri/) lands next session ----------------------------------
// It will call `invoke('<domain>_<op>', { input })` from @tauri-apps/api/core and listen to typed events.
export class TauriTransport implements Transport {
  readonly kind = 'tauri' as const;
  private unavailable(what: string): CommandError {
    return new CommandError({ kind: 'Unavailable', detail: { message: `${what}: the desktop transport is not available yet` } });
  }
  /** The IPC command name a `domain/op` maps to. */
  static commandName(name: string): string {
    return name.replace('/', '_');
  }
  invoke(name: string): Promise<unknown> {
    return Promise.reject(this.unavailable(TauriTransport.commandName(name)));
  }
  launchEval(): Promise<LaunchedJob> {
    return Promise.reject(this.unavailable('evals_launch'));
  }
  listEvalJobs(): Promise<EvalJob[]> {
    return Promise.reject(this.unavailable('evals_jobs'));
  }
  watchEval(): Promise<void> {
    return Promise.reject(this.unavailable('evals events'));
  }
}
// ---------------------------------------------------------------------------------------------------------------------

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
  const w = globalThis as { __TAURI_INTERNALS__?: unknown };
  return w.__TAURI_INTERNALS__ ? new TauriTransport() : new HttpTransport({ getToken: storedToken });
}

let active: Transport = pickTransport();

/** Replace the transport (tests, or a different server URL). */
export function setTransport(t: Transport): void {
  active = t;
}

export function transport(): Transport {
  return active;
}

/** Run one command with its typed input; resolves to its typed output or rejects with a CommandError. */
export async function command<K extends CommandName>(name: K, input: InputOf<K>): Promise<OutputOf<K>> {
  return (await active.invoke(name, input)) as OutputOf<K>;
}
