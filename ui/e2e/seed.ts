//! The seeded database, made only through the real CLI: an experiment with a learning-rate sweep (params, tags, a
//! loss curve per run, one failed run, a conversation and actions on one run), a model with two baseline versions
//! that differ in `match_threshold` and aliases on both, a real evaluation of each on three built-in tasks on real
//! Chromium (so runs carry screenshots and the comparison has a McNemar p-value), health samples with an alert
//! fired from a lowered disk threshold, an agent error (a start page whose port is closed), and an extra
//! environment whose file holds an out-of-range value at a known line.

import { writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Cli } from './cli';

export const EXPERIMENT = 'e2e-lr-sweep';
export const MODEL = 'e2e-agent';
export const TASKS = ['dyn-modal-accept', 'dyn-visible-subscribe', 'dyn-like-widget'];
export const BROKEN_ENV = 'e2e-broken';
export const LOSS_STEPS = 25;

export interface SeededRun {
  id: string;
  name: string;
  lr: number;
  status: 'finished' | 'failed';
  finalLoss: number;
}

export interface Seed {
  experiment: string;
  runs: SeededRun[];
  /** The run that has messages and actions. */
  timelineRun: string;
  timelineMessages: string[];
  model: string;
  versions: [string, string];
  evalA: string;
  evalB: string;
  /** An evaluation attempt's run (it has a final screenshot) and that screenshot's hash. */
  screenshotRun: string;
  screenshotHash: string;
  errorMessage: string;
  alertRule: string;
  brokenEnv: string;
  brokenFile: string;
  brokenLine: number;
}

/** The loss curve logged for learning rate `lr`: gradient descent on f(w) = w², w₀ = 1, so loss_k = (1 − 2·lr)^(2k). */
export function lossCurve(lr: number, steps = LOSS_STEPS): number[] {
  return Array.from({ length: steps }, (_, k) => (1 - 2 * lr) ** (2 * k));
}

/** A TCP port on 127.0.0.1 that was free a moment ago and is closed now (connecting to it is refused). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface RunJson {
  id: string;
}
interface EvalJson {
  summary: { evaluation: { id: string } };
  results: { run_id: string | null; screenshot_hash: string | null }[];
}

export async function seed(cli: Cli, workDir: string): Promise<Seed> {
  await cli.ok(['experiment', 'create', EXPERIMENT, '--description', 'learning-rate sweep seeded by the UI e2e tests']);
  await cli.ok(['experiment', 'set-tag', EXPERIMENT, 'owner', 'e2e']);

  const runs: SeededRun[] = [];
  const sweep: [number, 'finished' | 'failed'][] = [
    [0.05, 'finished'],
    [0.2, 'finished'],
    [1.1, 'failed'],
  ];
  const timelineMessages = ['Find the cheapest trail runner and add it to the cart', 'Clicking “Sort by price” first'];
  for (const [i, [lr, status]] of sweep.entries()) {
    const name = `lr=${lr}`;
    const run = await cli.json<RunJson>([
      'run', 'start', '--experiment', EXPERIMENT, '--name', name,
      '--param', `learning_rate=${lr}`, '--param', 'optimizer=sgd', '--tag', 'sweep=e2e', '--tag', `rank=${i + 1}`,
    ]);
    const curve = lossCurve(lr);
    const lines: object[] = curve.map((value, step) => ({ type: 'metric', key: 'loss', value, step }));
    const finalLoss = curve[curve.length - 1] ?? NaN;
    lines.push({ type: 'metric', key: 'final_loss', value: finalLoss, step: LOSS_STEPS - 1 });
    if (i === 0) {
      const t0 = Date.now() - 60_000;
      lines.push(
        { type: 'message', role: 'user', content: timelineMessages[0], ts_ms: t0, tokens: { input: 120, output: 0 } },
        { type: 'message', role: 'assistant', content: timelineMessages[1], ts_ms: t0 + 1000, tokens: { input: 0, output: 18 } },
        { type: 'action', action_type: 'click', target: 'text=Sort by price', success: true, duration_ms: 184, ts_ms: t0 + 2000 },
        { type: 'action', action_type: 'click', target: '#add-to-cart', success: false, duration_ms: 95, error: 'element is covered by an overlay', ts_ms: t0 + 3000 },
      );
    }
    const file = join(workDir, `batch-${i}.jsonl`);
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    await cli.ok(['run', 'log-batch', run.id, '--file', file]);
    await cli.ok(['run', 'end', run.id, '--status', status, ...(status === 'failed' ? ['--error', 'loss diverged'] : [])]);
    runs.push({ id: run.id, name, lr, status, finalLoss });
  }

  await cli.ok(['model', 'register', MODEL, 'baseline', 'baseline', '--param', 'match_threshold=0.9', '--description', 'strict matcher']);
  await cli.ok(['model', 'register', MODEL, 'baseline', 'baseline', '--param', 'match_threshold=0.5', '--changelog', 'lenient matcher']);
  const versions: [string, string] = [`${MODEL}:1`, `${MODEL}:2`];
  await cli.ok(['model', 'deploy', versions[0], 'production', '--reason', 'e2e seed']);
  await cli.ok(['model', 'deploy', versions[1], 'staging', '--reason', 'e2e seed']);

  // An A/B test in the development environment's config, between the two aliases.
  const abTest = {
    name: 'matcher-threshold',
    description: 'strict vs lenient element matching',
    metric: 'success',
    variants: [
      { name: 'strict', model: `${MODEL}@production`, traffic: 0.5 },
      { name: 'lenient', model: `${MODEL}@staging`, traffic: 0.5 },
    ],
  };
  await cli.ok(['config', 'set', 'ab_tests', JSON.stringify([abTest]), 'development']);

  const taskArgs = TASKS.flatMap((t) => ['--task', t]);
  const evalA = await cli.json<EvalJson>(['evaluate', 'benchmark', versions[0], ...taskArgs, '--concurrency', '2']);
  const evalB = await cli.json<EvalJson>(['evaluate', 'benchmark', versions[1], ...taskArgs, '--concurrency', '2']);
  const shot = evalA.results.find((r) => r.run_id && r.screenshot_hash);
  if (!shot?.run_id || !shot.screenshot_hash) throw new Error('e2e seed: the evaluation stored no screenshot');

  // Health samples (the sampler stores two readings) with the disk threshold lowered so a real disk alert fires.
  await cli.ok(['--set', 'monitoring.alerts.disk_percent=1', 'monitor', 'watch', '--interval', '1', '--iterations', '2']);
  // A real agent error: the start page's port is closed.
  const port = await closedPort();
  const failed = await cli.run(['agent', 'run', 'Open the start page', '--start-url', `http://127.0.0.1:${port}/`, '--timeout', '30']);
  if (failed.code === 0) throw new Error('e2e seed: an agent run against a closed port succeeded');
  const errors = await cli.json<{ errors: { message: string }[] }>(['monitor', 'errors']);
  const errorMessage = errors.errors[0]?.message;
  if (!errorMessage) throw new Error('e2e seed: the failed agent run recorded no error');

  // An environment whose file has an out-of-range value: validation reports it at its file:line.
  await cli.ok(['config', 'clone', 'development', BROKEN_ENV]);
  const brokenFile = join(cli.configDir, `${BROKEN_ENV}.yaml`);
  const text = readFileSync(brokenFile, 'utf8').split('\n');
  const idx = text.findIndex((l) => /^\s+temperature:/.test(l));
  if (idx < 0) throw new Error(`e2e seed: no llm temperature line in ${brokenFile}`);
  text[idx] = text[idx]!.replace(/temperature:\s*[^#\s]+/, 'temperature: 7.5');
  writeFileSync(brokenFile, text.join('\n'));

  return {
    experiment: EXPERIMENT,
    runs,
    timelineRun: runs[0]!.id,
    timelineMessages,
    model: MODEL,
    versions,
    evalA: evalA.summary.evaluation.id,
    evalB: evalB.summary.evaluation.id,
    screenshotRun: shot.run_id,
    screenshotHash: shot.screenshot_hash,
    errorMessage,
    alertRule: 'disk_percent',
    brokenEnv: BROKEN_ENV,
    brokenFile,
    brokenLine: idx + 1,
  };
}
