//! Runs the real `browser-ai-mlops` binary (path from BROWSER_AI_MLOPS_BIN, else the debug build under
//! CARGO_TARGET_DIR or the project's default target dir) against one data dir and config dir.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the debug CLI binary is; throws a message saying how to get one when it is missing. */
export function cliBinary(): string {
  const explicit = process.env.BROWSER_AI_MLOPS_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'browser-ai-mlops', 'target');
  const path = explicit ?? join(target, 'debug', 'browser-ai-mlops');
  if (!existsSync(path))
    throw new Error(
      `e2e: the CLI binary ${path} does not exist: build it with \`cargo build --bin browser-ai-mlops\` ` +
        '(or `cargo test`) or point BROWSER_AI_MLOPS_BIN at it',
    );
  return path;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Cli {
  constructor(
    readonly bin: string,
    readonly dataDir: string,
    readonly configDir: string,
  ) {}

  /** Global flags every invocation gets. */
  args(extra: string[]): string[] {
    return ['--data-dir', this.dataDir, '--config-dir', this.configDir, ...extra];
  }

  /** Run once; resolves with the exit code and output (never rejects on a non-zero exit). */
  run(args: string[], stdin?: string): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, this.args(args), { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(stdin ?? '');
    });
  }

  /** Run and require exit code 0. */
  async ok(args: string[]): Promise<string> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`e2e seed: \`browser-ai-mlops ${args.join(' ')}\` exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Run with `--json` and parse the output. */
  async json<T>(args: string[]): Promise<T> {
    const out = await this.ok(['--json', ...args]);
    try {
      return JSON.parse(out) as T;
    } catch {
      throw new Error(`e2e seed: \`${args.join(' ')}\` did not print JSON: ${out.slice(0, 300)}`);
    }
  }
}
