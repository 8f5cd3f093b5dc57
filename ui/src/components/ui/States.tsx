//! Empty, loading and error states a person understands, plus small shared building blocks (section card, key/value
//! list, confirmation dialog, status badge).

import { useEffect, useRef, type ReactNode } from 'react';
import type { ApiError } from '../../lib/transport';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <strong>{title}</strong>
      {children ? <div className="muted">{children}</div> : null}
    </div>
  );
}

const TITLES: Record<ApiError['kind'], string> = {
  Input: 'Invalid input',
  NotFound: 'Not found',
  Conflict: 'Conflict with what is stored',
  Unauthorized: 'Access token needed',
  Forbidden: 'Not allowed for this token',
  PayloadTooLarge: 'Request too large',
  BadRequest: 'Bad request',
  Failed: 'The operation failed',
  Unavailable: 'Not available',
  Network: 'Cannot reach the server',
  Protocol: 'Unexpected answer from the server',
};

const HINTS: Partial<Record<ApiError['kind'], string>> = {
  Unauthorized: 'Use “Token” in the sidebar to enter the token `browser-ai-mlops serve` was started with.',
  Forbidden: 'This token’s user may only read; an editor’s or admin’s token may change things.',
  Network: 'Is `browser-ai-mlops serve` running, and is this page served by it?',
  Protocol: 'The answer is not in the API’s format: open this page through `browser-ai-mlops serve --ui-dir …`.',
  Unavailable: 'This part of the backend is not available in this build.',
  NotFound: 'It may have been deleted or renamed.',
};

export function ErrorBox({ error, retry }: { error: ApiError; retry?: () => void }) {
  return (
    <div className="state error" role="alert">
      <strong>{TITLES[error.kind]}</strong>
      <pre className="message">{error.detail.message}</pre>
      {HINTS[error.kind] ? <div className="muted">{HINTS[error.kind]}</div> : null}
      {retry ? (
        <button type="button" onClick={() => retry()}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Section({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="card" aria-label={title}>
      <header className="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function KeyValues({ rows }: { rows: [string, ReactNode][] }) {
  if (rows.length === 0) return <span className="muted">None</span>;
  return (
    <dl className="kv">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'info'; children: ReactNode }) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

/** A modal confirmation (native <dialog>: focus trapped, Escape cancels). */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pending?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} onCancel={props.onCancel} aria-label={props.title}>
      <h2>{props.title}</h2>
      <div>{props.children}</div>
      <div className="row end">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={props.pending} onClick={props.onConfirm}>
          {props.pending ? 'Working…' : props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
