// The Team server panel's logic: what it says about a connection, which connect forms it sends, and that only the
// desktop app moves its store.
import { describe, expect, it } from 'vitest';
import type { AuditEntry, SyncStatus } from '../../lib/transport';
import { auditLine, canSync, connectProblem, summary } from './sync';

const connected = (pending_records: number, pending_points: number): SyncStatus => ({
  connection: {
    server_url: 'https://mlops.example.com',
    token_ref: 'env:BROWSER_AI_MLOPS_SYNC_TOKEN',
    host: 'laptop-a',
    points_acked: 0,
    feed_pulled: 0,
    points_pulled: 0,
    messages_acked: 0,
    actions_acked: 0,
    messages_pulled: 0,
    actions_pulled: 0,
    artifacts_acked: 0,
    artifacts_pulled: 0,
    connected_at_ms: 0,
    last_push_ms: null,
    last_pull_ms: null,
    last_error: null,
    last_error_ms: null,
  },
  pending_records,
  pending_points,
});

describe('team server sync', () => {
  it('says whether it is connected, as whom, and what waits', () => {
    expect(summary({ connection: null, pending_records: 0, pending_points: 0 })).toBe('Not connected to a team server.');
    expect(summary(connected(0, 0))).toBe('Connected to https://mlops.example.com as laptop-a: nothing waiting to be pushed.');
    expect(summary(connected(3, 1200))).toContain('3 records and 1200 metric points to push');
  });

  it('sends a connect form only with an http(s) URL without credentials and a token reference', () => {
    expect(connectProblem('https://mlops.example.com', 'env:TOKEN')).toBeNull();
    expect(connectProblem('http://127.0.0.1:8080', 'keychain:team-token')).toBeNull();
    expect(connectProblem('mlops.example.com', 'env:TOKEN')).toContain('http://');
    expect(connectProblem('https://bo:secret@mlops.example.com', 'env:TOKEN')).toContain('No credentials');
    expect(connectProblem('https://mlops.example.com', 'bam_0123')).toContain('env:NAME or keychain:NAME');
  });

  it('connects, pushes and pulls only inside the desktop app', () => {
    expect(canSync('tauri')).toBe(true);
    expect(canSync('http')).toBe(false);
  });
});

describe('audit log', () => {
  const entry = (operation: string, subject: string, outcome: string): AuditEntry => ({
    id: 1,
    at_ms: 0,
    user_name: 'bo',
    role: 'editor',
    operation,
    subject,
    outcome,
  });
  it('names the user, the operation and what it named, and says when it failed', () => {
    expect(auditLine(entry('runs/start', 'experiment=web name=r', 'ok'))).toBe('bo (editor) runs/start (experiment=web name=r)');
    expect(auditLine(entry('sync/receive', '', 'ok'))).toBe('bo (editor) sync/receive');
    expect(auditLine(entry('runs/end', 'run_id=x', 'NotFound'))).toBe('bo (editor) runs/end (run_id=x) — failed: NotFound');
  });
});
