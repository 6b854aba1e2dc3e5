/** Read and write 16-bit mono PCM WAV files (fixtures, recordings). */
import { readFile, writeFile } from 'node:fs/promises';
import type { Pcm16 } from './pcm.js';

export interface WavAudio {
  sampleRate: number;
  samples: Pcm16;
}

export class WavFormatError extends Error {
  readonly code = 'wav_format';
  constructor(message: string) {
    super(message);
    this.name = 'WavFormatError';
  }
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Parse a RIFF/WAVE buffer holding 16-bit mono PCM. Other chunks (LIST, fact) are skipped. */
export function parseWav(buf: Uint8Array): WavAudio {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (
    view.length < 12 ||
    view.toString('ascii', 0, 4) !== 'RIFF' ||
    view.toString('ascii', 8, 12) !== 'WAVE'
  ) {
    throw new WavFormatError('not a RIFF/WAVE file');
  }
  let sampleRate: number | undefined;
  let at = 12;
  while (at + 8 <= view.length) {
    const id = view.toString('ascii', at, at + 4);
    const size = view.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new WavFormatError('fmt chunk too short');
      const format = view.readUInt16LE(body);
      const channels = view.readUInt16LE(body + 2);
      const bits = view.readUInt16LE(body + 14);
      const pcm =
        format === WAVE_FORMAT_PCM ||
        (format === WAVE_FORMAT_EXTENSIBLE && size >= 26 && view.readUInt16LE(body + 24) === 1);
      if (!pcm || bits !== 16 || channels !== 1) {
        throw new WavFormatError(
          `need 16-bit mono PCM, got format ${format}, ${channels} channel(s), ${bits} bits`,
        );
      }
      sampleRate = view.readUInt32LE(body + 4);
    } else if (id === 'data') {
      if (sampleRate === undefined) throw new WavFormatError('data chunk before fmt chunk');
      // Streams written live often carry a 0 or 0xFFFFFFFF size: take what is there.
      const end = Math.min(view.length, size === 0 || size === 0xffffffff ? view.length : body + size);
      const bytes = view.subarray(body, body + ((end - body) & ~1));
      const samples = new Int16Array(bytes.length / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
      return { sampleRate, samples };
    }
    at = body + size + (size & 1);
  }
  throw new WavFormatError('no data chunk');
}

export function encodeWav(audio: WavAudio): Buffer {
  const dataBytes = audio.samples.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(audio.sampleRate, 24);
  out.writeUInt32LE(audio.sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < audio.samples.length; i++) out.writeInt16LE(audio.samples[i]!, 44 + i * 2);
  return out;
}

export async function readWavFile(path: string): Promise<WavAudio> {
  return parseWav(await readFile(path));
}

export async function writeWavFile(path: string, audio: WavAudio): Promise<void> {
  await writeFile(path, encodeWav(audio));
}
