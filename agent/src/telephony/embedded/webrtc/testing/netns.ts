/**
 * TEST-ONLY: run a vitest file again inside a fresh network namespace that has only `lo`, so a
 * browser and werift can only ever talk over loopback. The child sees SB_IN_NETNS=1.
 */
import { spawnSync } from 'node:child_process';

export const IN_NETNS = process.env.SB_IN_NETNS === '1';

export interface NetnsRun {
  status: number | null;
  output: string;
}

export function runFileInNetns(file: string, timeoutMs: number): NetnsRun {
  const name = `sbtest-${process.pid}`;
  const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  const add = ip('netns', 'add', name);
  if (add.status !== 0) return { status: add.status, output: `ip netns add failed: ${add.stderr}` };
  try {
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    const run = spawnSync('ip', ['netns', 'exec', name, 'npx', 'vitest', 'run', file], {
      encoding: 'utf8',
      timeout: timeoutMs,
      env: { ...process.env, SB_IN_NETNS: '1', NO_COLOR: '1' },
      cwd: process.cwd(),
    });
    return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
  } finally {
    ip('netns', 'del', name);
  }
}
