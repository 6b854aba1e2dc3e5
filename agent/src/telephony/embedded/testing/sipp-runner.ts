/**
 * TEST-ONLY: runs a real sipp process against the gateway, bounded in time (killed on timeout),
 * with the message trace kept so tests can assert on what crossed the wire.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SIPP_DIR = resolve(import.meta.dirname, '../../../../test/sipp');

export interface SippRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** sipp's -trace_msg log: every message sent and received. */
  messages: string;
  errors: string;
}

export interface SippOptions {
  scenario: string;
  target: string;
  transport: 'udp' | 'tcp';
  localPort: number;
  localIp?: string;
  service?: string;
  calls?: number;
  rate?: number;
  timeoutMs?: number;
  mediaPort?: number;
  extra?: string[];
  /** -key name value pairs, available as [name] in the scenario. */
  keys?: Record<string, string>;
  /** Called with the child once started (to coordinate with the test). */
  onStdout?(chunk: string): void;
}

export function runSipp(o: SippOptions): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const msgFile = join(dir, 'messages.log');
  const errFile = join(dir, 'errors.log');
  const timeoutMs = o.timeoutMs ?? 20_000;
  const args = [
    o.target,
    '-sf',
    join(SIPP_DIR, o.scenario),
    '-t',
    o.transport === 'udp' ? 'u1' : 't1',
    '-i',
    o.localIp ?? '127.0.0.1',
    '-p',
    String(o.localPort),
    '-m',
    String(o.calls ?? 1),
    '-r',
    String(o.rate ?? 10),
    '-l',
    String(o.calls ?? 1),
    '-s',
    o.service ?? '7000',
    // Media port per local SIP port, so parallel test files never collide (RTP range 21000–21499).
    '-mp',
    String(o.mediaPort ?? 21000 + (o.localPort - 15060) * 10),
    '-timeout',
    `${Math.ceil(timeoutMs / 1000)}s`,
    '-timeout_error',
    '-trace_msg',
    '-message_file',
    msgFile,
    '-trace_err',
    '-error_file',
    errFile,
    '-nostdin',
    ...Object.entries(o.keys ?? {}).flatMap(([k, v]) => ['-key', k, v]),
    ...(o.extra ?? []),
  ];
  return new Promise((resolvePromise) => {
    const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      o.onStdout?.(c.toString());
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5000);
    child.on('close', (code) => {
      clearTimeout(killer);
      const read = (f: string): string => (existsSync(f) ? readFileSync(f, 'utf8') : '');
      resolvePromise({ code, stdout, stderr, messages: read(msgFile), errors: read(errFile) });
    });
  });
}

/** Wait until a condition holds, bounded. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000, stepMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
