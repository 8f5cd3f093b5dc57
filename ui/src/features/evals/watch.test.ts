// Following a job: `watch` streams `evals/watch` with `{job_id}`, passes the EvalEvents on in order, resolves to the
// final JobInfo, and turns a job that ended `failed` into a `Failed` CommandError with the job's error.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandError, setTransport, transport, type EvalEvent, type JobInfo, type Transport } from '../../lib/transport';
import { FakeTransport } from '../../test/fakeTransport';
import { jobs, launch, watch } from './api';

const EVENTS: EvalEvent[] = [
  { type: 'started', evaluation_id: 'e1', attempts: 1, skipped: 0 },
  { type: 'attempt_started', task_id: 't', attempt: 1 },
];
const job = (state: JobInfo['state'], error: string | null = null): JobInfo => ({
  job_id: 'j1',
  state,
  evaluation_id: 'e1',
  attempts: 1,
  skipped: 0,
  attempts_done: 1,
  successes: 0,
  error,
  created_at_ms: 1,
  finished_at_ms: 2,
});

let saved: Transport;
beforeEach(() => {
  saved = transport();
});
afterEach(() => setTransport(saved));

describe('evaluation jobs', () => {
  it('launch and jobs are plain unary calls', async () => {
    const fake = new FakeTransport((name) => (name === 'evals/launch' ? { job_id: 'j1' } : []));
    setTransport(fake);
    await launch({} as never);
    await jobs();
    expect(fake.calls.map((c) => [c.name, c.input])).toEqual([
      ['evals/launch', {}],
      ['evals/jobs', {}],
    ]);
    expect(fake.streamed).toEqual([]);
  });

  it('watch streams evals/watch, delivers the events in order and resolves to the finished job', async () => {
    const fake = new FakeTransport(() => job('finished'), () => EVENTS);
    setTransport(fake);
    const seen: EvalEvent[] = [];
    expect(await watch('j1', (e) => seen.push(e))).toEqual(job('finished'));
    expect(seen).toEqual(EVENTS);
    expect(fake.streamed).toEqual(['evals/watch']);
    expect(fake.calls[0]?.input).toEqual({ job_id: 'j1' });
  });

  it('a job that ended failed rejects with a Failed error carrying the job error', async () => {
    setTransport(new FakeTransport(() => job('failed', 'chromium exited'), () => EVENTS));
    const seen: EvalEvent[] = [];
    const e = await watch('j1', (ev) => seen.push(ev)).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CommandError);
    expect((e as CommandError).error).toEqual({ kind: 'Failed', detail: { message: 'chromium exited' } });
    expect(seen).toEqual(EVENTS);
  });
});
