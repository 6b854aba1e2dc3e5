/** Start a TypeScript entry point as a child process (node --import tsx) and wait for its ready line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { raisePriority } from './machine.js';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(BENCH_DIR, '..', '..');

export interface Child<T> {
  process: ChildProcess;
  pid: number;
  ready: T;
  /** stderr and non-JSON stdout, last 200 lines (for error reports). */
  log(): string;
  stop(): Promise<void>;
}

/** Resolves with the first stdout line that parses as JSON with `ready: true`. */
export function spawnTsx<T>(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  readyTimeoutMs = 30_000,
  cwd = REPO_ROOT,
): Promise<Child<T>> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd,
    env,
    // stdin stays open as a lifeline: the child exits when it closes (the benchmark died).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (l: string): void => {
    lines.push(l);
    if (lines.length > 200) lines.shift();
  };
  child.stderr.setEncoding('utf8').on('data', (d: string) => d.split('\n').forEach(keep));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((res) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        res();
      }, 5000);
      child.once('exit', () => {
        clearTimeout(t);
        res();
      });
      child.kill('SIGTERM');
    });
  };
  return new Promise((res, rej) => {
    let buf = '';
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      void stop();
      rej(new Error(`${file} not ready after ${readyTimeoutMs} ms:\n${lines.slice(-30).join('\n')}`));
    }, readyTimeoutMs);
    child.once('exit', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      rej(new Error(`${file} exited with ${code} before ready:\n${lines.slice(-30).join('\n')}`));
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: { ready?: boolean } | undefined;
        try {
          msg = JSON.parse(line) as { ready?: boolean };
        } catch {
          msg = undefined;
        }
        if (!done && msg?.ready === true) {
          done = true;
          clearTimeout(timer);
          raisePriority(child.pid!);
          res({ process: child, pid: child.pid!, ready: msg as T, log: () => lines.join('\n'), stop });
        } else keep(line);
      }
    });
  });
}
