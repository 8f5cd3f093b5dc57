//! Shows a JSON value a person can read: arrays of objects as tables, objects as key/value lists, scalars as text.
//! Used for outputs whose Rust types are not in bindings.ts yet (monitor/health, until the merge).

import { cell } from '../../lib/format';
import { Empty, KeyValues } from './States';

export function JsonView({ value, empty }: { value: unknown; empty: string }) {
  if (value === null || value === undefined) return <Empty title={empty} />;
  if (Array.isArray(value)) {
    if (value.length === 0) return <Empty title={empty} />;
    const objects = value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    if (!objects) return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
    const cols = [...new Set(value.flatMap((v) => Object.keys(v as object)))].slice(0, 10);
    return (
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              {cols.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {value.map((row, i) => (
              <tr key={i}>
                {cols.map((c) => (
                  <td key={c}>{cell((row as Record<string, unknown>)[c])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    // One list-valued field (e.g. `{alerts: [...]}`) is shown as that list.
    const lists = entries.filter(([, v]) => Array.isArray(v));
    if (lists.length === 1 && entries.length === 1) return <JsonView value={lists[0]?.[1]} empty={empty} />;
    return <KeyValues rows={entries.map(([k, v]) => [k, typeof v === 'object' && v !== null ? <code>{JSON.stringify(v)}</code> : cell(v)])} />;
  }
  return <span>{cell(value)}</span>;
}
