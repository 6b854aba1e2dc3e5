/** TEST-ONLY: what the security suite measures and how it talks SIP through the attacker's hands. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Attacker } from '../../src/testing/attacker/attacker-netns.js';
import { statusOf } from './legit-phone.js';

/** Poll an async probe until it yields a value (bounded). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 3000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Heap in use after a full collection (v8 exposes gc() on request). */
export function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

/** One sample's value from Prometheus text (`name` may include labels), NaN when absent. */
export function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

/** Send one SIP request over the attacker's UDP (or TCP) handle and wait for its final response. */
export async function requestFromAttacker(
  attacker: Attacker,
  h: number,
  text: string,
  to: { address: string; port: number },
  tcp = false,
): Promise<string> {
  const mark = (await attacker.inbox(h)).textsTotal;
  const callId = /^Call-ID: (.*)$/m.exec(text)?.[1] ?? '';
  await attacker.call(tcp ? 'tcp.send' : 'udp.send', { h, host: to.address, port: to.port, text });
  return waitFor(`a final response to ${callId}`, async () =>
    (await attacker.inbox(h, mark)).texts.find((t) => statusOf(t) >= 200 && t.includes(callId)),
  );
}
