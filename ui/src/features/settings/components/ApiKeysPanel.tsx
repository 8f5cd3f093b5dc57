//! Settings → API keys: for each key reference the environment uses, whether it is set and where from (environment
//! variable or which OS keychain). Inside the desktop app a keychain entry can be stored (password field, cleared
//! after saving, never rendered back) or deleted; in a browser the panel only shows status and says where keys are set.

import { useState } from 'react';
import { Badge, ConfirmDialog, Empty, ErrorBox, Loading } from '../../../components/ui/States';
import {
  CLI_HINT,
  backendsText,
  canEditKeys,
  keyRows,
  nameProblem,
  useDeleteSecret,
  useSecretsStatus,
  useSetSecret,
  type KeyRow,
} from '../secrets';

function SetKeyForm({ name }: { name: string }) {
  const set = useSetSecret();
  const [value, setValue] = useState('');
  const submit = () => {
    const v = value;
    setValue('');
    set.mutate({ name, value: v });
  };
  return (
    <form className="row" onSubmit={(e) => (e.preventDefault(), submit())}>
      <input
        type="password"
        autoComplete="off"
        spellCheck={false}
        aria-label={`Key for keychain:${name}`}
        placeholder="paste the key"
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      <button type="submit" className="primary" disabled={set.isPending || value.trim() === ''}>
        {set.isPending ? 'Saving…' : 'Save to keychain'}
      </button>
      {set.error ? <ErrorBox error={set.error} /> : null}
      {set.data ? (
        <span className="muted">
          Stored in {set.data.backend.replaceAll('_', ' ')} ({set.data.persistence})
        </span>
      ) : null}
    </form>
  );
}

function DeleteKey({ name }: { name: string }) {
  const del = useDeleteSecret();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Delete
      </button>
      <ConfirmDialog
        open={open}
        title={`Delete keychain:${name}?`}
        confirmLabel="Delete"
        pending={del.isPending}
        onCancel={() => setOpen(false)}
        onConfirm={() => del.mutate({ name }, { onSettled: () => setOpen(false) })}
      >
        Runs using this reference will fail with “no key stored for keychain:{name}” until it is set again.
      </ConfirmDialog>
      {del.error ? <ErrorBox error={del.error} /> : null}
    </>
  );
}

function Row({ row, editable }: { row: KeyRow; editable: boolean }) {
  return (
    <li>
      <div className="row">
        <code>{row.reference}</code>
        <Badge tone={row.tone}>{row.state}</Badge>
        <span className="muted">
          {row.usedBy} · {row.where}
        </span>
      </div>
      {editable && row.keychainName ? (
        <div className="row">
          <SetKeyForm name={row.keychainName} />
          {row.state === 'set' ? <DeleteKey name={row.keychainName} /> : null}
        </div>
      ) : null}
    </li>
  );
}

function OtherKey() {
  const [name, setName] = useState('');
  const problem = name === '' ? null : nameProblem(name);
  const clean = name.startsWith('keychain:') ? name.slice('keychain:'.length) : name;
  return (
    <div>
      <label>
        Another keychain entry
        <input aria-label="Keychain entry name" placeholder="openai" value={name} onChange={(e) => setName(e.target.value.trim())} />
      </label>
      {problem ? <div className="muted">{problem}</div> : null}
      {name !== '' && !problem ? <SetKeyForm key={clean} name={clean} /> : null}
    </div>
  );
}

export function ApiKeysPanel({ env }: { env: string | null }) {
  const status = useSecretsStatus(env);
  const editable = canEditKeys();
  if (status.status === 'pending') return <Loading what="API key status" />;
  if (status.status === 'error') return <ErrorBox error={status.error} retry={status.refetch} />;
  const rows = keyRows(status.data);
  return (
    <>
      {rows.length === 0 ? <Empty title={`Environment ${status.data.env} uses no API key reference`} /> : null}
      <ul aria-label="API key references">
        {rows.map((r) => (
          <Row key={r.reference} row={r} editable={editable} />
        ))}
      </ul>
      <div className="muted">Keychain: {backendsText(status.data)}</div>
      {editable ? (
        <OtherKey />
      ) : (
        <div className="muted">
          Keys are stored in the desktop app or with <code>{CLI_HINT}</code> (value read from standard input or a
          hidden prompt). This page never sends keys over the network.
        </div>
      )}
    </>
  );
}
