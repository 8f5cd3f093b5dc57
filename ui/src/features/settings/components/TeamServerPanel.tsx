//! Settings → Team server: the sync connection of this machine's store — server, host name, token reference, what
//! waits to be pushed, last push and pull, last error. In the desktop app it connects, pushes and pulls; in a browser
//! it shows the status and the command that connects. Below: the audit log of the store this UI reads (on a team
//! server's web UI, who changed what through the server).

import { useState } from 'react';
import { utc } from '../../../lib/format';
import { Badge, ErrorBox, Loading } from '../../../components/ui/States';
import {
  SYNC_CLI_HINT,
  auditLine,
  canSync,
  connectProblem,
  summary,
  useAudit,
  useConnect,
  usePull,
  usePush,
  useSyncStatus,
} from '../sync';

function ConnectForm() {
  const connect = useConnect();
  const [url, setUrl] = useState('');
  const [tokenRef, setTokenRef] = useState('env:BROWSER_AI_MLOPS_SYNC_TOKEN');
  const [host, setHost] = useState('');
  const problem = connectProblem(url, tokenRef);
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        if (!problem) connect.mutate({ url: url.trim(), token_ref: tokenRef.trim(), host: host.trim() || null });
      }}
    >
      <input aria-label="Team server URL" placeholder="https://mlops.example.com" value={url} onChange={(e) => setUrl(e.target.value)} />
      <input aria-label="Token reference" value={tokenRef} onChange={(e) => setTokenRef(e.target.value)} />
      <input aria-label="This machine's name" placeholder="host name (default: this machine's)" value={host} onChange={(e) => setHost(e.target.value)} />
      <button type="submit" className="primary" disabled={connect.isPending || problem !== null}>
        {connect.isPending ? 'Connecting…' : 'Connect'}
      </button>
      {url !== '' && problem ? <span className="muted">{problem}</span> : null}
      {connect.error ? <ErrorBox error={connect.error} /> : null}
    </form>
  );
}

function Transfers() {
  const push = usePush();
  const pull = usePull();
  const busy = push.isPending || pull.isPending;
  const done = push.data ?? pull.data;
  return (
    <div className="row">
      <button type="button" disabled={busy} onClick={() => push.mutate()}>
        {push.isPending ? 'Pushing…' : 'Push'}
      </button>
      <button type="button" disabled={busy} onClick={() => pull.mutate()}>
        {pull.isPending ? 'Pulling…' : 'Pull'}
      </button>
      {done ? (
        <span className="muted">
          {done.records} records and {done.points} metric points moved
          {done.refused.length > 0 ? ` · refused: ${done.refused.join('; ')}` : ''}
        </span>
      ) : null}
      {push.error ? <ErrorBox error={push.error} /> : null}
      {pull.error ? <ErrorBox error={pull.error} /> : null}
    </div>
  );
}

function RecentChanges() {
  const audit = useAudit(20);
  if (audit.status === 'pending') return <Loading what="audit log" />;
  if (audit.status === 'error') return <ErrorBox error={audit.error} retry={audit.refetch} />;
  if (audit.data.length === 0) return <p className="muted">No changes by team users recorded here.</p>;
  return (
    <table aria-label="Audit log">
      <thead>
        <tr>
          <th>When (UTC)</th>
          <th>Change</th>
        </tr>
      </thead>
      <tbody>
        {audit.data.map((e) => (
          <tr key={String(e.id)}>
            <td>{utc(Number(e.at_ms))}</td>
            <td>{auditLine(e)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TeamServerPanel() {
  const status = useSyncStatus();
  const editable = canSync();
  if (status.status === 'pending') return <Loading what="sync status" />;
  if (status.status === 'error') return <ErrorBox error={status.error} retry={status.refetch} />;
  const s = status.data;
  const c = s.connection;
  return (
    <div className="stack">
      <p>{summary(s)}</p>
      {c ? (
        <dl className="facts">
          <dt>Token</dt>
          <dd>
            <code>{c.token_ref}</code>
          </dd>
          <dt>Last push</dt>
          <dd>{c.last_push_ms === null ? '—' : utc(Number(c.last_push_ms))}</dd>
          <dt>Last pull</dt>
          <dd>{c.last_pull_ms === null ? '—' : utc(Number(c.last_pull_ms))}</dd>
          {c.last_error ? (
            <>
              <dt>Last error</dt>
              <dd>
                <Badge tone="bad">error</Badge> {c.last_error}
              </dd>
            </>
          ) : null}
        </dl>
      ) : null}
      {editable ? (
        <>
          {c ? <Transfers /> : null}
          <ConnectForm />
        </>
      ) : (
        <p className="muted">
          Connect, push and pull from the desktop app or the command line: <code>{SYNC_CLI_HINT}</code>
        </p>
      )}
      <h3>Recent changes</h3>
      <RecentChanges />
    </div>
  );
}
