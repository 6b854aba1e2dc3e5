import { describe, expect, it } from 'vitest';
import { encodeG711 } from '../src/audio/g711.js';
import { isVoiced, payloadDbfs } from './voiced.js';

function tone(amplitude: number): Uint8Array {
  const pcm = Int16Array.from({ length: 160 }, (_, i) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / 8000)),
  );
  return encodeG711('PCMU', pcm);
}

describe('voiced classification of PCMU packets', () => {
  it('calls digital silence unvoiced', () => {
    expect(payloadDbfs(new Uint8Array(160).fill(0xff))).toBe(-Infinity);
    expect(isVoiced(new Uint8Array(160).fill(0xff))).toBe(false);
  });

  it('calls speech-level audio voiced and faint noise unvoiced', () => {
    expect(isVoiced(tone(8000))).toBe(true); // about -15 dBFS
    expect(isVoiced(tone(100))).toBe(false); // about -53 dBFS
  });

  it('measures level close to the analytic RMS of a sine', () => {
    const expected = 20 * Math.log10(8000 / Math.SQRT2 / 32768);
    expect(Math.abs(payloadDbfs(tone(8000)) - expected)).toBeLessThan(0.5);
  });

  it('honours the threshold and the A-law variant', () => {
    const a = encodeG711(
      'PCMA',
      Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? 3000 : -3000)),
    );
    expect(isVoiced(a, 'PCMA')).toBe(true);
    expect(isVoiced(a, 'PCMA', -5)).toBe(false);
  });
});
