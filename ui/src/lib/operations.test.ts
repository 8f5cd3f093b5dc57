/// <reference types="node" />
// The UI and the core's operation table agree: every name the sources pass to `command('…')` / `stream('…')` is an
// operation of the generated OPERATIONS list, called with its shape (unary through `command`, streaming through
// `stream`), and the runtime list names exactly the operations of the generated `Operations` type.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, operationInfo, type OperationName } from './transport';

const SELF = fileURLToPath(import.meta.url);
const SRC = join(dirname(SELF), '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && name !== 'bindings.ts' && path !== SELF ? [path] : [];
  });
}

interface Call {
  file: string;
  fn: 'command' | 'stream';
  name: string;
}

/** `command('x'` / `stream("x"` / `` stream(`x` `` (the first argument a literal), across line breaks. */
export function callsIn(file: string, text: string): Call[] {
  const re = /(?<![\w.$])(command|stream)\(\s*(['"`])([^'"`$]+)\2/g;
  return [...text.matchAll(re)].map((m) => ({ file, fn: m[1] as Call['fn'], name: m[3] as string }));
}

const CALLS = sources(SRC).flatMap((path) => callsIn(relative(SRC, path), readFileSync(path, 'utf8')));

describe('the operations the UI calls', () => {
  it('the scan finds the calls (so the checks below can fail)', () => {
    expect(CALLS.length).toBeGreaterThan(30);
    expect(CALLS).toContainEqual({ file: join('features', 'evals', 'api.ts'), fn: 'stream', name: 'evals/watch' });
    expect(CALLS).toContainEqual({ file: join('features', 'overview', 'api.ts'), fn: 'stream', name: 'demo/load' });
    expect(callsIn('x.ts', "command(\n  'a/b', {}); x.command('c/d'); stream(`e/f`, {}, f)")).toEqual([
      { file: 'x.ts', fn: 'command', name: 'a/b' },
      { file: 'x.ts', fn: 'stream', name: 'e/f' },
    ]);
  });

  it('every name is an operation of the core table', () => {
    const unknown = CALLS.filter((c) => operationInfo(c.name) === undefined).map((c) => `${c.file}: ${c.fn}('${c.name}')`);
    expect(unknown).toEqual([]);
  });

  it('unary operations go through command(), streaming ones through stream()', () => {
    const wrong = CALLS.filter((c) => {
      const shape = operationInfo(c.name)?.shape;
      return shape !== undefined && shape !== (c.fn === 'command' ? 'unary' : 'streaming');
    }).map((c) => `${c.file}: ${c.fn}('${c.name}') but it is ${operationInfo(c.name)?.shape}`);
    expect(wrong).toEqual([]);
  });

  it('the UI does not call the old job routes or old names', () => {
    const all = sources(SRC)
      .map((p) => readFileSync(p, 'utf8'))
      .join('\n');
    for (const old of ['evals/jobs/', 'run_search/', 'health/health', 'list_experiments', 'show_run', 'set_feature_flag'])
      expect(all.includes(`'${old}`) || all.includes(`\`${old}`) ? old : null).toBeNull();
  });
});

describe('OPERATIONS and Operations', () => {
  it('the runtime list has unique domain/verb names, each with a known shape, access and reach', () => {
    const names = OPERATIONS.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
    for (const o of OPERATIONS) {
      expect(o.name).toMatch(/^[a-z]+\/[a-z_]+$/);
      expect(['unary', 'streaming']).toContain(o.shape);
      expect(['read', 'mutating']).toContain(o.access);
      expect(['everywhere', 'local']).toContain(o.reach);
    }
  });

  it('names exactly the keys of the Operations type', () => {
    // Every key of Operations must appear in this record (a missing or extra key is a compile error), and the
    // runtime list must match it.
    const keys: Record<OperationName, true> = Object.fromEntries(OPERATIONS.map((o) => [o.name, true])) as Record<
      OperationName,
      true
    >;
    const typed: OperationName[] = Object.keys(keys) as OperationName[];
    expect(OPERATIONS.map((o) => o.name).sort()).toEqual([...typed].sort());
    const streaming = OPERATIONS.filter((o) => o.shape === 'streaming').map((o) => o.name);
    expect(streaming.sort()).toEqual(['demo/load', 'evals/benchmark', 'evals/watch', 'monitor/watch']);
  });
});
