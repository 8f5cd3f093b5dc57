import { environmentManager, focusManager, onlineManager, QueryObserver, type QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTransport } from '../test/fakeTransport';
import { createQueryClient, shouldRetry, toApiError, typed } from './query';
import { command, CommandError, setTransport, transport, type ApiError, type Transport } from './transport';

const INPUT: ApiError = { kind: 'Input', detail: { message: 'bad filter' } };
const NETWORK: ApiError = { kind: 'Network', detail: { message: 'cannot reach the server' } };

describe('toApiError', () => {
  it('unwraps a CommandError, keeps an ApiError as it is, and turns anything else into a Protocol error', () => {
    expect(toApiError(new CommandError(INPUT))).toBe(INPUT);
    expect(toApiError(NETWORK)).toBe(NETWORK);
    expect(toApiError(new TypeError('x is undefined'))).toEqual({
      kind: 'Protocol',
      detail: { message: 'x is undefined', status: 0 },
    });
    // Shaped like an error but not one of ours: a client bug, not passed off as a server error.
    expect(toApiError({ kind: 'Teapot', detail: { message: 'short and stout' } }).kind).toBe('Protocol');
  });
});

describe('shouldRetry', () => {
  const err = (kind: ApiError['kind']) => ({ kind, detail: { message: kind } }) as ApiError;
  it('never retries errors that would come back the same', () => {
    for (const kind of ['Input', 'NotFound', 'Unauthorized', 'Conflict', 'BadRequest', 'PayloadTooLarge'] as const)
      expect(shouldRetry(0, err(kind)), kind).toBe(false);
  });
  it('retries a transient failure once, not twice', () => {
    for (const kind of ['Network', 'Unavailable', 'Failed', 'Protocol'] as const) {
      expect(shouldRetry(0, err(kind)), kind).toBe(true);
      expect(shouldRetry(1, err(kind)), kind).toBe(false);
    }
  });
});

describe('createQueryClient', () => {
  let saved: Transport;
  let client: QueryClient;
  beforeEach(() => {
    saved = transport();
    client = createQueryClient();
    client.mount(); // what QueryClientProvider does: listen to focus and online changes
    // The UI runs in a browser (or the Tauri webview): behave like one, not like server-side rendering.
    environmentManager.setIsServer(() => false);
  });
  afterEach(() => {
    client.unmount();
    client.clear();
    setTransport(saved);
    environmentManager.setIsServer(() => typeof window === 'undefined');
    focusManager.setFocused(undefined);
    onlineManager.setOnline(true);
  });

  const healthQuery = { queryKey: ['health'], queryFn: () => typed(() => command('monitor/health', {})), retryDelay: 0 };

  it('rejects with the typed ApiError and asks once for an Input error', async () => {
    const fake = new FakeTransport(() => {
      throw new CommandError(INPUT);
    });
    setTransport(fake);
    await expect(client.fetchQuery(healthQuery)).rejects.toEqual(INPUT);
    expect(fake.count('monitor/health')).toBe(1);
    expect(client.getQueryState(['health'])?.error).toEqual(INPUT);
  });

  it('retries a network error once, then reports it', async () => {
    const fake = new FakeTransport(() => {
      throw new CommandError(NETWORK);
    });
    setTransport(fake);
    await expect(client.fetchQuery(healthQuery)).rejects.toEqual(NETWORK);
    expect(fake.count('monitor/health')).toBe(2);
  });

  it('recovers when the retry succeeds', async () => {
    let n = 0;
    const fake = new FakeTransport(() => {
      n += 1;
      if (n === 1) throw new CommandError(NETWORK);
      return { status: 'healthy' };
    });
    setTransport(fake);
    await expect(client.fetchQuery(healthQuery)).resolves.toEqual({ status: 'healthy' });
    expect(fake.count('monitor/health')).toBe(2);
  });

  it('does not refetch when the window regains focus, and keeps querying while the browser says offline', async () => {
    const fake = new FakeTransport(() => ({ status: 'healthy' }));
    setTransport(fake);
    onlineManager.setOnline(false);
    // staleTime 0: the data is stale at once, so a focus refetch (if it were on) would fire.
    const observer = new QueryObserver(client, { ...healthQuery, staleTime: 0 });
    let loaded = () => {};
    const done = new Promise<void>((resolve) => (loaded = resolve));
    const unsubscribe = observer.subscribe((r) => r.status === 'success' && loaded());
    await done;
    expect(fake.count('monitor/health')).toBe(1);
    focusManager.setFocused(false);
    focusManager.setFocused(true);
    await new Promise((r) => setTimeout(r, 10));
    unsubscribe();
    expect(fake.count('monitor/health')).toBe(1);
  });
});
