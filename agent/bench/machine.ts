/** The machine a run happened on, and CPU/RSS of a process from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, setPriority, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1]!.trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    cpuModel,
    cores: cpus().length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: release(),
  };
}

/**
 * Raise a process's scheduling priority (nice −10) so background load on a shared machine disturbs
 * the measurement less. The caller, the agent, the fakes and the floor all get the same priority.
 * Returns false where that is not permitted (not root); the run goes on at normal priority.
 */
export function raisePriority(pid = process.pid): boolean {
  try {
    setPriority(pid, -10);
    return true;
  } catch {
    return false;
  }
}

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface ProcSample {
  /** Wall clock, ms (performance.now()). */
  at: number;
  /** User + system CPU time, ms. */
  cpuMs: number;
  rssBytes: number;
}

/** One sample of a process's CPU time and resident memory; undefined when it is gone. */
export function sampleProcess(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return { at: performance.now(), cpuMs: (ticks * 1000) / ticksPerSecond(), rssBytes: rssKb * 1024 };
  } catch {
    return undefined;
  }
}

/** CPU use between two samples as % of one core. */
export function cpuPercent(a: ProcSample, b: ProcSample): number {
  return b.at > a.at ? (100 * (b.cpuMs - a.cpuMs)) / (b.at - a.at) : 0;
}

/** Samples a process every `everyMs` until stopped; reports CPU % over the window and peak RSS. */
export class ProcessMonitor {
  private readonly samples: ProcSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly pid: number,
    private readonly everyMs = 500,
  ) {}

  start(): void {
    this.take();
    this.timer = setInterval(() => this.take(), this.everyMs);
  }

  private take(): void {
    const s = sampleProcess(this.pid);
    if (s) this.samples.push(s);
  }

  stop(): { cpuPercent: number; peakRssBytes: number; meanRssBytes: number } {
    clearInterval(this.timer);
    this.take();
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const rss = this.samples.map((s) => s.rssBytes);
    return {
      cpuPercent: first && last ? cpuPercent(first, last) : NaN,
      peakRssBytes: rss.length ? Math.max(...rss) : NaN,
      meanRssBytes: rss.length ? rss.reduce((a, b) => a + b, 0) / rss.length : NaN,
    };
  }
}
