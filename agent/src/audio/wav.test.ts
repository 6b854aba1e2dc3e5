import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav, parseWav, readWavFile, WavFormatError, writeWavFile } from './wav.js';

const dir = mkdtempSync(join(tmpdir(), 'wav-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wav', () => {
  it('round-trips samples and rate', () => {
    const samples = Int16Array.of(0, 1, -1, 32767, -32768, 1234);
    const back = parseWav(encodeWav({ sampleRate: 16000, samples }));
    expect(back.sampleRate).toBe(16000);
    expect(back.samples).toEqual(samples);
  });

  it('reads a file sox wrote (with a LIST chunk) and sox reads ours', async () => {
    const soxWav = join(dir, 'tone.wav');
    execFileSync('sox', [
      '-n',
      '-r',
      '8000',
      '-b',
      '16',
      '-c',
      '1',
      soxWav,
      'synth',
      '0.1',
      'sine',
      '440',
      'vol',
      '0.5',
    ]);
    const audio = await readWavFile(soxWav);
    expect(audio.sampleRate).toBe(8000);
    expect(audio.samples.length).toBe(800);
    expect(Math.max(...audio.samples)).toBeGreaterThan(15000);
    const ours = join(dir, 'ours.wav');
    await writeWavFile(ours, audio);
    const info = execFileSync('soxi', [ours]).toString();
    expect(info).toMatch(/Sample Rate\s*:\s*8000/);
    expect(info).toMatch(/800 samples/);
  });

  it('rejects stereo, 8-bit and non-WAV input with a typed error', () => {
    const stereo = encodeWav({ sampleRate: 8000, samples: Int16Array.of(1, 2) });
    stereo.writeUInt16LE(2, 22);
    expect(() => parseWav(stereo)).toThrow(WavFormatError);
    const eightBit = encodeWav({ sampleRate: 8000, samples: Int16Array.of(1, 2) });
    eightBit.writeUInt16LE(8, 34);
    expect(() => parseWav(eightBit)).toThrow(/16-bit mono/);
    expect(() => parseWav(Buffer.from('hello world, not a wav'))).toThrow(WavFormatError);
  });
});
