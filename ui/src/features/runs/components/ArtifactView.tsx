//! One stored artifact fetched by hash (`runs/artifact`): images (screenshots) as an <img> from a data URL, text
//! artifacts (DOM snapshots) behind a disclosure, anything else as its type and size.

import { useState } from 'react';
import { ErrorBox, Loading } from '../../../components/ui/States';
import { useArtifact } from '../api';

export function ArtifactImage({ hash, alt }: { hash: string; alt: string }) {
  const a = useArtifact(hash);
  if (a.status === 'pending') return <Loading what="screenshot" />;
  if (a.status === 'error') return <ErrorBox error={a.error} retry={a.refetch} />;
  if (a.data.mime.startsWith('image/'))
    return <img className="shot" src={`data:${a.data.mime};base64,${a.data.base64}`} alt={alt} data-hash={hash} />;
  if (a.data.mime.startsWith('text/')) return <pre className="json">{decodeText(a.data.base64)}</pre>;
  return (
    <span className="muted">
      {a.data.kind} ({a.data.mime}, {a.data.size_bytes} bytes)
    </span>
  );
}

/** base64 → UTF-8 text (browsers' atob gives Latin-1 code units). */
export function decodeText(b64: string): string {
  const bin = atob(b64);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** A button that loads and shows an artifact on demand (so long lists fetch nothing until asked). */
export function ArtifactToggle({ hash, label, alt }: { hash: string; label: string; alt: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? `Hide ${label}` : `Show ${label}`}
      </button>
      {open ? <ArtifactImage hash={hash} alt={alt} /> : null}
    </>
  );
}
