/** Voiced/unvoiced classification of one G.711 packet by its energy. Pure. */
import { decodeG711, type G711Law } from '../src/audio/g711.js';

/** Frame level above which a packet counts as voiced. Digital silence and comfort noise sit far below. */
export const DEFAULT_VOICED_DBFS = -40;

const scratch = new Int16Array(1024);

/** Level in dBFS of a G.711 payload (−Infinity for digital silence). */
export function payloadDbfs(payload: Uint8Array, law: G711Law = 'PCMU'): number {
  if (payload.length === 0) return -Infinity;
  const pcm = decodeG711(
    law,
    payload,
    payload.length <= scratch.length ? scratch.subarray(0, payload.length) : undefined,
  );
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  const rms = Math.sqrt(sum / pcm.length);
  return rms === 0 ? -Infinity : 20 * Math.log10(rms / 32768);
}

export function isVoiced(
  payload: Uint8Array,
  law: G711Law = 'PCMU',
  thresholdDbfs = DEFAULT_VOICED_DBFS,
): boolean {
  return payloadDbfs(payload, law) > thresholdDbfs;
}
