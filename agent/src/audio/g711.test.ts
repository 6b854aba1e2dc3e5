import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alawToLinear, decodeG711, encodeG711, g711Silence, ulawToLinear, type G711Law } from './g711.js';

function allSamples(): Int16Array {
  const pcm = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) pcm[i] = i - 32768;
  return pcm;
}

function snrDb(ref: Int16Array, got: Int16Array): number {
  let sig = 0;
  let noise = 0;
  for (let i = 0; i < ref.length; i++) {
    sig += ref[i]! ** 2;
    noise += (ref[i]! - got[i]!) ** 2;
  }
  return 10 * Math.log10(sig / noise);
}

describe('G.711 known values (ITU-T G.711 tables)', () => {
  it('μ-law: silence, extremes and a few mid codes', () => {
    expect(encodeG711('PCMU', Int16Array.of(0))[0]).toBe(0xff);
    expect(ulawToLinear(0xff)).toBe(0);
    expect(ulawToLinear(0x7f)).toBe(0);
    expect(ulawToLinear(0x80)).toBe(32124);
    expect(ulawToLinear(0x00)).toBe(-32124);
    expect(ulawToLinear(0xf0)).toBe(120);
    expect(encodeG711('PCMU', Int16Array.of(32767, -32768, 1000, -1000))).toEqual(
      Uint8Array.of(0x80, 0x00, 0xce, 0x4e),
    );
  });

  it('A-law: silence, extremes and even-bit inversion', () => {
    expect(encodeG711('PCMA', Int16Array.of(0))[0]).toBe(0xd5);
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(alawToLinear(0xaa)).toBe(32256);
    expect(alawToLinear(0x2a)).toBe(-32256);
    expect(encodeG711('PCMA', Int16Array.of(32767, -32768, 1000, -1000))).toEqual(
      Uint8Array.of(0xaa, 0x2a, 0xfa, 0x7a),
    );
    expect(g711Silence('PCMA')).toBe(0xd5);
    expect(g711Silence('PCMU')).toBe(0xff);
  });
});

describe('G.711 against sox (independent implementation), all 65536 inputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'g711-'));
  const cases: [G711Law, string][] = [
    ['PCMU', 'u-law'],
    ['PCMA', 'a-law'],
  ];
  for (const [law, soxName] of cases) {
    it(`${law} encode and decode are bit-identical to sox`, () => {
      const input = allSamples();
      const rawIn = join(dir, `${law}-in.raw`);
      const encoded = join(dir, `${law}.raw`);
      const decoded = join(dir, `${law}-out.raw`);
      writeFileSync(rawIn, Buffer.from(input.buffer));
      const raw = ['-t', 'raw', '-r', '8000', '-c', '1'];
      execFileSync('sox', [
        '-D',
        ...raw,
        '-e',
        'signed',
        '-b',
        '16',
        rawIn,
        ...raw,
        '-e',
        soxName,
        '-b',
        '8',
        encoded,
      ]);
      const soxBytes = new Uint8Array(readFileSync(encoded));
      expect(encodeG711(law, input)).toEqual(soxBytes);
      execFileSync('sox', [
        '-D',
        ...raw,
        '-e',
        soxName,
        '-b',
        '8',
        encoded,
        ...raw,
        '-e',
        'signed',
        '-b',
        '16',
        decoded,
      ]);
      const soxPcm = new Int16Array(new Uint8Array(readFileSync(decoded)).buffer);
      expect(decodeG711(law, soxBytes)).toEqual(soxPcm);
    });
  }
  it('cleans up', () => rmSync(dir, { recursive: true, force: true }));
});

describe('G.711 round trip', () => {
  for (const law of ['PCMU', 'PCMA'] as const) {
    it(`${law}: error bounded by half a quantisation step; decode∘encode∘decode is identity`, () => {
      const input = allSamples();
      const out = decodeG711(law, encodeG711(law, input));
      const violations: number[] = [];
      for (let i = 0; i < input.length; i++) {
        const x = input[i]!;
        const err = Math.abs(out[i]! - x);
        // Largest step is 1024 (top segment); clipping above ±32124/32256 adds at most ~650.
        if (err > (Math.abs(x) > 31000 ? 1024 : Math.max(16, Math.abs(x) / 32 + 8))) violations.push(x);
      }
      expect(violations).toEqual([]);
      for (let b = 0; b < 256; b++) {
        const v = decodeG711(law, Uint8Array.of(b));
        expect(decodeG711(law, encodeG711(law, v))).toEqual(v);
      }
    });

    it(`${law}: a -10 dBFS 1 kHz tone keeps SNR above 33 dB`, () => {
      const tone = new Int16Array(8000);
      for (let i = 0; i < tone.length; i++)
        tone[i] = Math.round(10362 * Math.sin((2 * Math.PI * 1000 * i) / 8000 + 0.3));
      expect(snrDb(tone, decodeG711(law, encodeG711(law, tone)))).toBeGreaterThan(33);
    });
  }

  it('encodes into a caller-provided buffer', () => {
    const out = new Uint8Array(4);
    const res = encodeG711('PCMU', Int16Array.of(0, 0), out);
    expect(res).toBe(out);
    expect([...out]).toEqual([0xff, 0xff, 0, 0]);
  });
});
