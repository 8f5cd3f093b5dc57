//! Evaluations: launch (model version, suite, filters, repeats, concurrency), live progress from the job's event
//! stream, recent evaluations, one evaluation's results with each attempt's evidence, and the paired comparison of
//! two evaluations with the exact McNemar p-value.

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { href } from '../../../app/routes';
import { rowLink } from '../../../components/ui/rowLink';
import { Badge, Empty, ErrorBox, KeyValues, Loading, Section } from '../../../components/ui/States';
import { toApiError } from '../../../lib/query';
import { duration, num, pct, pValue, shortId, usd, utc } from '../../../lib/format';
import type { ApiError, BenchmarkRequest, Category, Difficulty, Difference } from '../../../lib/transport';
import { ArtifactToggle } from '../../runs/components/ArtifactView';
import { evalKeys, useEvalComparison, useEvaluations, useJobs, useLaunch, useResults, watch } from '../api';
import { taskIds } from '../launch';
import { applyEvent, fractionDone, initialProgress, type Progress } from '../progress';

const CATEGORIES: Category[] = ['search', 'shopping', 'forms', 'navigation', 'extraction', 'auth', 'table', 'dynamic'];
const DIFFICULTIES: Difficulty[] = ['easy', 'medium', 'hard'];

/** "+12.5 pts [−3.0, +28.0]" for a paired difference of pass rates. */
export function pairedDifference(d: Difference | null): string {
  if (d == null) return '—';
  const pts = (x: number | null) => (x == null ? '?' : `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`);
  return `${pts(d.estimate)} pts [${pts(d.low)}, ${pts(d.high)}]`;
}

function LaunchForm({ onLaunched }: { onLaunched: (jobId: string) => void }) {
  const launch = useLaunch();
  const [model, setModel] = useState('');
  const [suite, setSuite] = useState('builtin');
  const [category, setCategory] = useState('');
  const [difficulty, setDifficulty] = useState('');
  const [tasks, setTasks] = useState('');
  const [repeats, setRepeats] = useState(1);
  const [concurrency, setConcurrency] = useState(2);
  const [seed, setSeed] = useState('');
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const request: BenchmarkRequest = {
      model: model.trim(),
      suite: suite.trim() || 'builtin',
      filter: { category: (category || null) as Category | null, difficulty: (difficulty || null) as Difficulty | null, ids: taskIds(tasks) },
      repeats,
      concurrency,
      resume: null,
      miniwob_dir: null,
      headful: false,
      seed: seed.trim() === '' ? null : Number(seed),
    };
    launch.mutate(request, { onSuccess: (job) => onLaunched(job.job_id) });
  };
  return (
    <form className="row" onSubmit={submit} aria-label="Launch an evaluation">
      <label>
        Model version
        <input required placeholder="checkout-agent:2 or NAME@staging" value={model} onChange={(e) => setModel(e.target.value)} />
      </label>
      <label>
        Suite
        <input value={suite} onChange={(e) => setSuite(e.target.value)} />
      </label>
      <label>
        Category
        <select value={category} onChange={(e) => setCategory(e.target.value)}>
          <option value="">any</option>
          {CATEGORIES.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label>
        Difficulty
        <select value={difficulty} onChange={(e) => setDifficulty(e.target.value)}>
          <option value="">any</option>
          {DIFFICULTIES.map((d) => (
            <option key={d}>{d}</option>
          ))}
        </select>
      </label>
      <label>
        Task ids (optional)
        <input placeholder="dyn-modal-accept, shop-cart-total" value={tasks} onChange={(e) => setTasks(e.target.value)} />
      </label>
      <label title="Each attempt's seed is derived from this, the task and the attempt number; the same seed replays the same MiniWoB++ episodes. Empty: drawn at random and recorded.">
        Base seed
        <input inputMode="numeric" pattern="[0-9]{1,10}" placeholder="random" value={seed} onChange={(e) => setSeed(e.target.value)} style={{ width: 110 }} />
      </label>
      <label>
        Repeats
        <input type="number" min={1} max={100} value={repeats} onChange={(e) => setRepeats(Number(e.target.value))} style={{ width: 70 }} />
      </label>
      <label>
        Concurrency
        <input type="number" min={1} max={32} value={concurrency} onChange={(e) => setConcurrency(Number(e.target.value))} style={{ width: 70 }} />
      </label>
      <button type="submit" className="primary" disabled={launch.isPending}>
        {launch.isPending ? 'Launching…' : 'Launch'}
      </button>
      {launch.error ? <ErrorBox error={launch.error} /> : null}
    </form>
  );
}

function LiveProgress({ jobId }: { jobId: string }) {
  const [p, setP] = useState<Progress>(initialProgress);
  const [error, setError] = useState<ApiError | null>(null);
  const [ended, setEnded] = useState(false);
  const client = useQueryClient();
  useEffect(() => {
    const abort = new AbortController();
    setP(initialProgress);
    setError(null);
    setEnded(false);
    // When the stream ends (finished or failed), the job list and the recent evaluations are out of date: refresh.
    watch(jobId, (e) => setP((cur) => applyEvent(cur, e)), abort.signal).then(
      () => {
        setEnded(true);
        void client.invalidateQueries({ queryKey: evalKeys.all });
      },
      (e: unknown) => {
        if (abort.signal.aborted) return;
        setError(toApiError(e));
        void client.invalidateQueries({ queryKey: evalKeys.all });
      },
    );
    return () => abort.abort();
  }, [jobId, client]);
  return (
    <div aria-live="polite">
      <div className="row">
        <strong>Job {shortId(jobId)}</strong>
        {p.finished ? <Badge tone="ok">finished</Badge> : ended ? <Badge tone="warn">stream ended</Badge> : <Badge tone="info">running</Badge>}
        {p.evaluationId ? <a href={href.evaluation(p.evaluationId)}>evaluation {shortId(p.evaluationId)}</a> : null}
      </div>
      <progress max={1} value={fractionDone(p)} aria-label="attempts done" />
      <div className="muted">
        {p.done} / {p.total} attempts · {p.successes} passed · {p.done - p.successes} failed
        {p.skipped ? ` · ${p.skipped} already stored (resumed)` : ''} · running: {p.running.join(', ') || '—'}
      </div>
      {p.failures.length ? (
        <ul>
          {p.failures.map((f) => (
            <li key={`${f.task}#${f.attempt}`}>
              {f.task} #{f.attempt}: {f.error ?? 'check did not pass'}
            </li>
          ))}
        </ul>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
    </div>
  );
}

function Jobs({ onWatch }: { onWatch: (id: string) => void }) {
  const jobs = useJobs();
  if (jobs.status === 'pending') return <Loading what="jobs" />;
  if (jobs.status === 'error') return <ErrorBox error={jobs.error} retry={jobs.refetch} />;
  if (jobs.data.length === 0) return <Empty title="No evaluation jobs on this server yet" />;
  return (
    <ul>
      {jobs.data.map((j) => (
        <li key={j.job_id}>
          <button type="button" onClick={() => onWatch(j.job_id)}>
            Watch {shortId(j.job_id)}
          </button>{' '}
          <Badge tone={j.state === 'finished' ? 'ok' : j.state === 'failed' ? 'bad' : 'info'}>{j.state}</Badge>{' '}
          <span className="muted">
            {j.attempts_done}/{j.attempts ?? '?'} attempts · {j.successes} passed · started {utc(j.created_at_ms)}
            {j.error ? ` · ${j.error}` : ''}
          </span>{' '}
          {j.evaluation_id ? <a href={href.evaluation(j.evaluation_id)}>results</a> : null}
        </li>
      ))}
    </ul>
  );
}

function Recent() {
  const list = useEvaluations(20);
  if (list.status === 'pending') return <Loading what="evaluations" />;
  if (list.status === 'error') return <ErrorBox error={list.error} retry={list.refetch} />;
  if (list.data.evaluations.length === 0) return <Empty title="No evaluations yet">Launch one above, or run the demo.</Empty>;
  return (
    <table>
      <thead>
        <tr>
          <th>Evaluation</th>
          <th>Started (UTC)</th>
          <th>Suite</th>
          <th>Status</th>
          <th className="num">Attempts</th>
          <th className="num">Success</th>
          <th className="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        {list.data.evaluations.map((s) => (
          <tr key={s.evaluation.id} {...rowLink(href.evaluation(s.evaluation.id), `Open evaluation ${shortId(s.evaluation.id)}`)}>
            <td>
              <a href={href.evaluation(s.evaluation.id)}>{shortId(s.evaluation.id)}</a>
            </td>
            <td>{utc(Number(s.evaluation.started_at_ms))}</td>
            <td>{s.evaluation.suite}</td>
            <td>{s.evaluation.status}</td>
            <td className="num">{num(Number(s.attempts), 0)}</td>
            <td className="num">{pct(s.success_rate?.estimate)}</td>
            <td className="num">{usd(s.cost_usd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Results({ id }: { id: string }) {
  const r = useResults(id);
  if (r.status === 'pending') return <Loading what="results" />;
  if (r.status === 'error') return <ErrorBox error={r.error} retry={r.refetch} />;
  const s = r.data.summary;
  const rate = s.success_rate;
  return (
    <>
      <KeyValues
        rows={[
          ['Suite', s.evaluation.suite],
          ['Status', s.evaluation.status],
          ['Success rate', rate ? `${pct(rate.estimate)} (95% CI ${pct(rate.low)}–${pct(rate.high)})` : '—'],
          ['Attempts', `${num(Number(s.successes), 0)} / ${num(Number(s.attempts), 0)}`],
          ['Mean steps', num(s.mean_steps, 1)],
          ['Cost', usd(s.cost_usd)],
          ['Cost per task', usd(s.cost_per_task_usd)],
          ['Errors', num(Number(s.errors), 0)],
        ]}
      />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Task</th>
              <th className="num">#</th>
              <th>Result</th>
              <th className="num">Score</th>
              <th className="num">Steps</th>
              <th className="num">Cost</th>
              <th className="num">Time</th>
              <th>Evidence</th>
              <th>Final URL</th>
              <th>Screenshot</th>
            </tr>
          </thead>
          <tbody>
            {r.data.results.map((t) => (
              <tr key={t.id}>
                <td>{t.run_id ? <a href={href.run(t.run_id)}>{t.task_id}</a> : t.task_id}</td>
                <td className="num">{t.attempt}</td>
                <td>
                  <Badge tone={t.success ? 'ok' : 'bad'}>{t.success ? 'pass' : 'fail'}</Badge>
                </td>
                <td className="num">{num(t.score, 2)}</td>
                <td className="num">{t.steps}</td>
                <td className="num">{usd(t.cost_usd)}</td>
                <td className="num">{duration(Number(t.duration_ms))}</td>
                <td title={t.evidence.map((e) => `${e.passed ? '✓' : '✗'} ${e.check}: ${e.observed}`).join('\n')}>
                  {t.error ?? t.evidence.map((e) => `${e.passed ? '✓' : '✗'} ${e.observed}`).join('; ')}
                </td>
                <td>{t.final_url}</td>
                <td className="shot-cell">
                  {t.screenshot_hash ? (
                    <ArtifactToggle hash={t.screenshot_hash} label="screenshot" alt={`final page of ${t.task_id} attempt ${t.attempt}`} />
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Compare() {
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [pair, setPair] = useState<[string, string]>(['', '']);
  const cmp = useEvalComparison(pair[0], pair[1]);
  return (
    <>
      <form className="row" onSubmit={(e) => (e.preventDefault(), setPair([a.trim(), b.trim()]))}>
        <input aria-label="Evaluation A" placeholder="evaluation A (id or prefix)" value={a} onChange={(e) => setA(e.target.value)} />
        <input aria-label="Evaluation B" placeholder="evaluation B" value={b} onChange={(e) => setB(e.target.value)} />
        <button type="submit">Compare</button>
      </form>
      {!pair[0] || !pair[1] ? null : cmp.status === 'pending' ? (
        <Loading what="comparison" />
      ) : cmp.status === 'error' ? (
        <ErrorBox error={cmp.error} retry={cmp.refetch} />
      ) : (
        <>
          <KeyValues
            rows={[
              ['Pass rate A', pct(cmp.data.pass_rate_a)],
              ['Pass rate B', pct(cmp.data.pass_rate_b)],
              ['Paired tasks', num(cmp.data.tasks.length, 0)],
              ['Difference B − A (95% CI, paired bootstrap)', pairedDifference(cmp.data.paired_difference)],
              ['McNemar p-value (exact, majority per task)', pValue(cmp.data.p_value)],
              ['Only A passes', num(Number(cmp.data.only_a), 0)],
              ['Only B passes', num(Number(cmp.data.only_b), 0)],
              ['Both / neither', `${cmp.data.both_pass} / ${cmp.data.neither}`],
            ]}
          />
          {cmp.data.suite_changed ? <Badge tone="warn">the suite changed between the two evaluations</Badge> : null}
          <table>
            <thead>
              <tr>
                <th>Task</th>
                <th>A</th>
                <th>B</th>
              </tr>
            </thead>
            <tbody>
              {cmp.data.tasks.map((t) => (
                <tr key={t.task_id} className={t.a === t.b ? '' : 'changed'}>
                  <td>{t.task_id}</td>
                  <td>{`${t.a ? 'pass' : 'fail'} (${t.a_passes}/${t.a_attempts})`}</td>
                  <td>{`${t.b ? 'pass' : 'fail'} (${t.b_passes}/${t.b_attempts})`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

export function EvalsPage({ id }: { id: string | null }) {
  const [job, setJob] = useState<string | null>(null);
  if (id)
    return (
      <>
        <div className="row">
          <a href="#/evals">← Evaluations</a>
          <h1>Evaluation {shortId(id)}</h1>
        </div>
        <Section title="Results">
          <Results id={id} />
        </Section>
      </>
    );
  return (
    <>
      <h1>Evaluations</h1>
      <Section title="Launch">
        <LaunchForm onLaunched={setJob} />
        {job ? <LiveProgress jobId={job} /> : null}
      </Section>
      <Section title="Jobs on this server">
        <Jobs onWatch={setJob} />
      </Section>
      <Section title="Recent evaluations">
        <Recent />
      </Section>
      <Section title="Compare two evaluations">
        <Compare />
      </Section>
    </>
  );
}
