//! The one door to the backend: the ONLY file that imports `bindings.ts` (generated from the Rust types) or
//! `@tauri-apps/*`. Features call `command(name, input)`; which transport carries it is decided here — HTTP
//! (`POST /api/v1/<domain>/<op>`, server-sent events) when served by `browser-ai-mlops serve`, Tauri IPC (the
//! generated `commands.<domain>_<op>` and the typed `eval_job_event` event) inside the desktop app.

import type * as B from '../bindings';
import { commands as generatedCommands, events as generatedEvents } from '../bindings';
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
  'demo/status': [B.DemoStatusInput, B.DemoStatus];
  'demo/load': [B.LoadDemoInput, B.LoadDemoOutput];
}
export type CommandName = keyof Commands;

/** The IPC name of a command: `domain/op` → `domain_op` (the generated accessor under `commands`). */
type IpcName<K extends string> = K extends `${infer D}/${infer O}` ? `${D}_${O}` : never;
type Generated = typeof generatedCommands;
type GeneratedOutput<N extends keyof Generated> = Extract<Awaited<ReturnType<Generated[N]>>, { status: 'ok' }>['data'];
// Compile-time check that every command above exists in the Rust app with the same input and output types.
type Checked = {
  [K in CommandName]: IpcName<K> extends keyof Generated
    ? Parameters<Generated[IpcName<K>]>[0] extends Commands[K][0]
      ? GeneratedOutput<IpcName<K>> extends Commands[K][1]
        ? true
        : K
      : K
    : K;
};
const commandsMatchTheApp: Checked[CommandName] = true;
void commandsMatchTheApp;
export type InputOf<K extends CommandName> = Commands[K][0];
export type OutputOf<K extends CommandName> = Commands[K][1];

/** Error kinds the backend sends (`EdgeError`, `{kind, detail: {message}}`), plus two the client itself detects. */
export const SERVER_ERROR_KINDS: readonly B.EdgeErrorKind[] = [
  'Input',
  'NotFound',
  'Conflict',
  'Unauthorized',
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
    const v: unknown = JSON.parse(body);
    if (v && typeof v === 'object' && 'kind' in v && 'detail' in v) {
      const { kind, detail } = v as { kind: unknown; detail: unknown };
      const message =
        detail && typeof detail === 'object' && 'message' in detail ? (detail as { message: unknown }).message : null;
      if (isServerErrorKind(kind) && typeof message === 'string') return { kind, detail: { message } } as B.EdgeError;
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

/** Job accepted by a launch (`POST /api/v1/evals/launch`, the app's `evals_launch`). */
export type LaunchedJob = B.LaunchOutput;
/** One evaluation job (`GET /api/v1/evals/jobs`, the app's `evals_jobs`). */
export type EvalJob = B.JobInfo;

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

/** What a generated command resolves to (tauri-specta's result mode). */
type IpcResult = { status: 'ok'; data: unknown } | { status: 'error'; error: unknown };
type IpcCommand = (input?: unknown) => Promise<IpcResult>;
/** The generated event accessor the transport uses (injectable for tests). */
export interface JobEvents {
  eval_job_event: {
    listen(cb: (e: { payload: B.EvalJobEvent }) => void): Promise<() => void>;
  };
}

/** A rejected IPC call: the command's `EdgeError`, or (ACL denial, bad argument) Tauri's own text. */
function ipcError(name: string, error: unknown): ApiError {
  if (error && typeof error === 'object' && 'kind' in error && 'detail' in error) {
    const { kind, detail } = error as { kind: unknown; detail: unknown };
    const message =
      detail && typeof detail === 'object' && 'message' in detail ? (detail as { message: unknown }).message : null;
    if (isServerErrorKind(kind) && typeof message === 'string') return { kind, detail: { message } } as B.EdgeError;
  }
  return { kind: 'Protocol', detail: { message: `${name}: ${String(error)}`, status: 0 } };
}

let watchCounter = 0;

/** The desktop app: the generated tauri-specta `commands` (IPC) and the typed `eval_job_event` for live progress. */
export class TauriTransport implements Transport {
  readonly kind = 'tauri' as const;
  private readonly commands: Record<string, IpcCommand | undefined>;
  private readonly events: JobEvents;

  constructor(commands: object = generatedCommands, events: JobEvents = generatedEvents) {
    this.commands = commands as Record<string, IpcCommand | undefined>;
    this.events = events;
  }

  /** The IPC command name a `domain/op` maps to. */
  static commandName(name: string): string {
    return name.replace('/', '_');
  }

  async invoke(name: string, input?: unknown): Promise<unknown> {
    const ipc = TauriTransport.commandName(name);
    const call = this.commands[ipc];
    if (!call) {
      throw new CommandError({ kind: 'NotFound', detail: { message: `the desktop app has no command ${ipc}` } });
    }
    let result: IpcResult;
    try {
      result = await call(input);
    } catch (e) {
      throw new CommandError(ipcError(ipc, e));
    }
    if (result.status === 'error') throw new CommandError(ipcError(ipc, result.error));
    return result.data;
  }

  async launchEval(request: B.BenchmarkRequest): Promise<LaunchedJob> {
    return (await this.invoke('evals/launch', request)) as LaunchedJob;
  }

  async listEvalJobs(): Promise<EvalJob[]> {
    return (await this.invoke('evals/jobs')) as EvalJob[];
  }

  /** Listen first, then ask the app to forward this job's events (history, then live) tagged with our watch id. */
  async watchEval(jobId: string, onEvent: (e: B.EvalEvent) => void, signal?: AbortSignal): Promise<void> {
    watchCounter += 1;
    const watchId = `${Date.now().toString(36)}-${watchCounter}-${Math.random().toString(36).slice(2)}`;
    let failure: ApiError | null = null;
    const unlisten = await this.events.eval_job_event.listen(({ payload }) => {
      if (payload.watch_id !== watchId || signal?.aborted) return;
      if (payload.update.kind === 'eval') onEvent(payload.update.data);
      else failure = payload.update.data;
    });
    try {
      const watched = this.invoke('evals/watch', { job_id: jobId, watch_id: watchId } satisfies B.WatchJobInput);
      if (signal) {
        const aborted = new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          else signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await Promise.race([watched, aborted]);
      } else {
        await watched;
      }
    } finally {
      unlisten();
    }
    if (failure) throw new CommandError(failure);
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

/** Run one command with its typed input; resolves to its typed output or rejects with a CommandError. */
export async function command<K extends CommandName>(name: K, input: InputOf<K>): Promise<OutputOf<K>> {
  return (await active.invoke(name, input)) as OutputOf<K>;
}
