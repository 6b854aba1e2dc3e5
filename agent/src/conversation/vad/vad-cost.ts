/**
 * CPU cost of each VAD per 20 ms of caller audio, measured on real speech (for capacity planning;
 * run with `npx tsx -e "import('./agent/src/conversation/vad/vad-cost.ts').then(m => m.printVadCost())"`).
 */
import { cpuUsage } from 'node:process';
import { systemClock } from '../../time/clock.js';
import type { Pcm16 } from '../../audio/pcm.js';
import { vadFactory, type VadKind } from './create-vad.js';

export interface VadCost {
  kind: VadKind;
  sampleRate: number;
  frames: number;
  /** CPU time (user + system, all threads of this process) per 20 ms frame, microseconds. */
  cpuUsPerFrame: number;
  wallUsPerFrame: number;
}

export async function measureVadCost(
  kind: VadKind,
  audio: Pcm16,
  sampleRate: number,
  repeat = 5,
): Promise<VadCost> {
  const vad = vadFactory(kind)({ sampleRate, clock: systemClock });
  const drain = (async () => {
    for await (const _ of vad) void _;
  })();
  vad.push(new Int16Array(sampleRate / 50));
  await vad.whenIdle(); // model load
  const n = sampleRate / 50;
  const cpu0 = cpuUsage();
  const t0 = performance.now();
  let frames = 0;
  for (let r = 0; r < repeat; r++) {
    for (let i = 0; i + n <= audio.length; i += n) {
      vad.push(audio.subarray(i, i + n));
      frames++;
      if (frames % 50 === 0) await vad.whenIdle();
    }
  }
  await vad.whenIdle();
  const wall = performance.now() - t0;
  const cpu = cpuUsage(cpu0);
  vad.close();
  await drain;
  return {
    kind,
    sampleRate,
    frames,
    cpuUsPerFrame: (cpu.user + cpu.system) / frames,
    wallUsPerFrame: (wall * 1000) / frames,
  };
}
