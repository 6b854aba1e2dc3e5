/**
 * TEST-ONLY: runs a real sipp scenario from test/sipp against the gateway, with the gateway tests'
 * defaults (20 s, 10 calls/s, an RTP port per local SIP port), over the shared bounded sipp process.
 */
import { resolve } from 'node:path';
import {
  runSipp as runSippProcess,
  type SippOptions as ProcessOptions,
  type SippRun,
} from '../../../testing/sipp.js';

export type { SippRun };

export const SIPP_DIR = resolve(import.meta.dirname, '../../../../test/sipp');

/** The shared options, but the scenario is a file name under test/sipp and the timeout defaults to 20 s. */
export type SippOptions = Omit<ProcessOptions, 'scenario' | 'timeoutMs' | 'limit' | 'mediaIp' | 'auth'> & {
  scenario: string;
  timeoutMs?: number;
};

export function runSipp(o: SippOptions): Promise<SippRun> {
  return runSippProcess({
    ...o,
    scenario: { file: resolve(SIPP_DIR, o.scenario) },
    calls: o.calls ?? 1,
    limit: o.calls ?? 1,
    rate: o.rate ?? 10,
    // Media port per local SIP port, so parallel test files never collide (RTP range 21000–21499).
    mediaPort: o.mediaPort ?? 21000 + (o.localPort - 15060) * 10,
    timeoutMs: o.timeoutMs ?? 20_000,
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
