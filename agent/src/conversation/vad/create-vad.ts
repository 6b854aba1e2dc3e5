/** Picks the VAD engine: SWITCHBOARD_VAD=webrtc (default, cheapest) or silero (more robust to noise). */
import { createSileroVad } from './silero-vad.js';
import type { VadFactory } from './vad.js';
import { createWebrtcVad } from './webrtc-vad.js';

export type VadKind = 'webrtc' | 'silero';

export function vadKindFromEnv(env: NodeJS.ProcessEnv = process.env): VadKind {
  const v = (env.SWITCHBOARD_VAD ?? 'webrtc').toLowerCase();
  if (v === 'webrtc' || v === 'silero') return v;
  throw new Error(`SWITCHBOARD_VAD must be webrtc or silero, got ${JSON.stringify(v)}`);
}

export function vadFactory(kind: VadKind, onError?: (err: unknown) => void): VadFactory {
  const extra = onError ? { onError } : {};
  return kind === 'silero'
    ? (o) => createSileroVad({ ...o, ...extra })
    : (o) => createWebrtcVad({ ...o, ...extra });
}
