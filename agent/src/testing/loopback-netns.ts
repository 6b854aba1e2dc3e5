/**
 * TEST-ONLY: run a vitest file again inside a fresh network namespace that has only `lo`, so a browser,
 * werift and the agent can only ever talk over loopback. The child sees SB_IN_NETNS=1. Bounded: on
 * timeout the child's process group is killed; in every case the processes still inside the namespace
 * (e.g. a Chromium a crashed test left behind) are killed by pid and the namespace is deleted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const IN_NETNS = process.env.SB_IN_NETNS === '1';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface NetnsRun {
  status: number | null;
  output: string;
  timedOut: boolean;
}

function ip(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Kill (by pid) whatever still runs inside the namespace, e.g. a Chromium a crashed test left behind. */
function killNetnsProcesses(name: string): void {
  const pids = ip('netns', 'pids', name)
    .stdout.split(/\s+/)
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Run `file` with vitest inside a new loopback-only namespace. Bounded by `timeoutMs`: on expiry the
 * child's process group is killed. The namespace's processes are killed and the namespace deleted in
 * every case.
 */
export async function runFileInLoopbackNetns(file: string, timeoutMs: number): Promise<NetnsRun> {
  const name = `sbe2e-${process.pid}-${Date.now().toString(36)}`;
  const add = ip('netns', 'add', name);
  if (add.status !== 0)
    return { status: add.status, output: `ip netns add failed: ${add.stderr}`, timedOut: false };
  try {
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    return await new Promise<NetnsRun>((resolve) => {
      const child = spawn('ip', ['netns', 'exec', name, 'npx', 'vitest', 'run', file], {
        cwd: REPO,
        env: { ...process.env, SB_IN_NETNS: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let output = '';
      let timedOut = false;
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }, timeoutMs);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, output, timedOut });
      });
    });
  } finally {
    killNetnsProcesses(name);
    ip('netns', 'del', name);
  }
}
