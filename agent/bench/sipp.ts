/** Start and stop sipp for the benchmark (as a far end for self-tests, and as a load generator). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { roundSummary, summarize, type Summary } from './stats.js';

export interface SippUas {
  process: ChildProcess;
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** sipp's built-in UAS answering every INVITE, echoing RTP back (`-rtp_echo`). */
export async function startSippUas(host: string, sipPort: number, mediaPort: number): Promise<SippUas> {
  const child = spawn(
    'sipp',
    [
      '-sn',
      'uas',
      '-i',
      host,
      '-p',
      String(sipPort),
      '-mi',
      host,
      '-mp',
      String(mediaPort),
      '-rtp_echo',
      '-nostdin',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await new Promise((r) => setTimeout(r, 300));
  if (child.exitCode !== null) throw new Error(`sipp uas exited with ${child.exitCode}`);
  return {
    process: child,
    async stop() {
      child.kill('SIGTERM');
      await waitExit(child, 3000);
    },
  };
}

export interface SippRateResult {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  exitCode: number | null;
  /** INVITE → 200 OK as sipp measured it (rtd), ms; averages over the run. */
  responseTimeMs: number | undefined;
  /** INVITE → 200 OK over every call, ms (sipp -trace_rtt; sipp's clock counts whole ms). */
  inviteToOkMs: Summary;
  /** Messages sipp had to send again (UDP retransmissions: an answer came too late or not at all). */
  retransmissions: number;
  /** Of the calls, how many reached the agent's conversation (agent targets; set by the caller). */
  reachedAgent?: number;
  durationS: number;
}

/**
 * Held at this rate: every call completed, nothing retransmitted, sipp exited cleanly, and (for the agent)
 * every call reached the conversation: an answered call the agent never heard is not a call set up.
 */
export function sustained(r: SippRateResult): boolean {
  const clean = r.failed === 0 && r.retransmissions === 0 && r.exitCode === 0 && r.successful === r.calls;
  return clean && (r.reachedAgent === undefined || r.reachedAgent === r.calls);
}

function parseStatCsv(text: string): Record<string, string> | undefined {
  const lines = text.trim().split('\n');
  if (lines.length < 2) return undefined;
  const names = lines[0]!.split(';');
  const values = lines[lines.length - 1]!.split(';');
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
}

/** "00:00:00:012345" (sipp's time format, last field µs) or plain ms → ms. */
function sippTimeMs(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const parts = v.split(':').map(Number);
  if (parts.some((p) => !Number.isFinite(p))) return undefined;
  if (parts.length === 4)
    return parts[0]! * 3_600_000 + parts[1]! * 60_000 + parts[2]! * 1000 + parts[3]! / 1000;
  return Number(v);
}

export interface SippUacOptions {
  target: { host: string; port: number };
  user: string;
  host: string;
  sipPort: number;
  mediaPort: number;
  rate: number;
  durationS: number;
  /** How long each call stays up before BYE. */
  callMs: number;
  workDir: string;
}

/** sipp's built-in UAC at a fixed rate for a bounded time; counts successes and failures. */
export async function runSippRate(o: SippUacOptions): Promise<SippRateResult> {
  const dir = mkdtempSync(join(o.workDir, `sipp-r${o.rate}-`));
  const stat = join(dir, 'stat.csv');
  const calls = Math.max(1, Math.round(o.rate * o.durationS));
  const started = performance.now();
  const args = [
    `${o.target.host}:${o.target.port}`,
    ...[
      '-sn',
      'uac',
      '-s',
      o.user,
      '-i',
      o.host,
      '-p',
      String(o.sipPort),
      '-mi',
      o.host,
      '-mp',
      String(o.mediaPort),
    ],
    ...[
      '-r',
      String(o.rate),
      '-m',
      String(calls),
      '-d',
      String(o.callMs),
      '-l',
      String(Math.max(10, o.rate * 10)),
    ],
    ...['-timeout', `${o.durationS + 20}s`, '-timeout_error', '-recv_timeout', '8000', '-nostdin'],
    ...['-trace_stat', '-stf', stat, '-fd', '1', '-trace_rtt', '-rtt_freq', '1'],
  ];
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const exitCode = await waitExit(child, (o.durationS + 30) * 1000);
  let row: Record<string, string> | undefined;
  try {
    row = parseStatCsv(readFileSync(stat, 'utf8'));
  } catch {
    const csv = readdirSync(dir).find((f) => f.endsWith('.csv'));
    if (csv) row = parseStatCsv(readFileSync(join(dir, csv), 'utf8'));
  }
  const rttFile = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
  const inviteToOkMs = rttFile
    ? readFileSync(join(dir, rttFile), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => Number(l.split(';')[1]))
        .filter(Number.isFinite)
    : [];
  return {
    rate: o.rate,
    calls,
    successful: Number(row?.['SuccessfulCall(C)'] ?? 0),
    failed: Number(row?.['FailedCall(C)'] ?? calls),
    exitCode,
    responseTimeMs: sippTimeMs(row?.['ResponseTime1(C)']),
    inviteToOkMs: roundSummary(summarize(inviteToOkMs)),
    retransmissions: Number(row?.['Retransmissions(C)'] ?? 0),
    durationS: Math.round((performance.now() - started) / 100) / 10,
  };
}
