/**
 * TEST-ONLY: runs a real sipp process, bounded in time (sipp's own -timeout, and SIGKILL 5 s after it),
 * with its message and error traces kept so tests can assert on what crossed the wire. Every process
 * still running can be killed on teardown with killRunningSipp(). Scenario XML is the caller's business.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SippRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in arrival order. */
  output: string;
  /** sipp's -trace_msg log: every message sent and received. */
  messages: string;
  errors: string;
}

export interface SippOptions {
  /** A scenario file, or XML text written to a temp file. */
  scenario: { file: string } | { xml: string };
  target: string;
  transport: 'udp' | 'tcp';
  localPort: number;
  /** -i (default 127.0.0.1). */
  localIp?: string;
  /** -s, the Request-URI user (default 7000). */
  service?: string;
  /** -m, calls to make before exiting (default 1). */
  calls?: number;
  /** -l, simultaneous calls. */
  limit?: number;
  /** -r, calls per second. */
  rate?: number;
  /** -mp, sipp's own RTP port. */
  mediaPort?: number;
  /** -mi, sipp's media IP. */
  mediaIp?: string;
  /** -au/-ap credentials for the scenario's [authentication] keyword. */
  auth?: { username: string; password: string };
  /** -key name value pairs, available as [name] in the scenario. */
  keys?: Record<string, string>;
  /** Further sipp arguments, appended last. */
  extra?: string[];
  /** sipp's -timeout; the process is SIGKILLed if it outlives this by 5 s. */
  timeoutMs: number;
}

const running = new Set<ChildProcess>();

/** Kill every sipp this module started that is still running (afterEach/afterAll, when a test failed early). */
export function killRunningSipp(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

function optional(flag: string, value: string | number | undefined): string[] {
  return value === undefined ? [] : [flag, String(value)];
}

function sippArgs(o: SippOptions, scenarioFile: string, msgFile: string, errFile: string): string[] {
  return [
    o.target,
    ...['-sf', scenarioFile, '-t', o.transport === 'udp' ? 'u1' : 't1'],
    ...['-i', o.localIp ?? '127.0.0.1', '-p', String(o.localPort)],
    ...['-m', String(o.calls ?? 1), ...optional('-r', o.rate), ...optional('-l', o.limit)],
    ...['-s', o.service ?? '7000', ...optional('-mp', o.mediaPort), ...optional('-mi', o.mediaIp)],
    ...['-timeout', `${Math.ceil(o.timeoutMs / 1000)}s`, '-timeout_error'],
    ...['-trace_msg', '-message_file', msgFile, '-trace_err', '-error_file', errFile, '-nostdin'],
    ...(o.auth ? ['-au', o.auth.username, '-ap', o.auth.password] : []),
    ...Object.entries(o.keys ?? {}).flatMap(([k, v]) => ['-key', k, v]),
    ...(o.extra ?? []),
  ];
}

/** Run sipp to completion (or until killed) and collect its exit code, output and traces. */
export function runSipp(o: SippOptions): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  let scenarioFile: string;
  if ('file' in o.scenario) scenarioFile = o.scenario.file;
  else writeFileSync((scenarioFile = join(dir, 'scenario.xml')), o.scenario.xml);
  const msgFile = join(dir, 'messages.log');
  const errFile = join(dir, 'errors.log');
  return new Promise((resolve) => {
    const child = spawn('sipp', sippArgs(o, scenarioFile, msgFile, errFile), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      output += c.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs + 5000);
    child.on('close', (code) => {
      clearTimeout(killer);
      running.delete(child);
      const read = (f: string): string => (existsSync(f) ? readFileSync(f, 'utf8') : '');
      const run = { code, stdout, stderr, output, messages: read(msgFile), errors: read(errFile) };
      rmSync(dir, { recursive: true, force: true });
      resolve(run);
    });
  });
}
