/**
 * Generated sounds (no audio files to ship or fetch): ringtones the user can choose from, and the
 * short call-waiting tone played instead of the ringtone while another call is up.
 */

export const RINGTONES = {
  classic: 'Classic (two-tone ring)',
  chime: 'Chime',
  pulse: 'Soft pulse',
  silent: 'Silent (visual only)',
} as const;
export type Ringtone = keyof typeof RINGTONES;

export function isRingtone(v: unknown): v is Ringtone {
  return typeof v === 'string' && Object.hasOwn(RINGTONES, v);
}

const RATE = 8000;

function wav(samples: Float32Array): Blob {
  const buf = new DataView(new ArrayBuffer(44 + samples.length * 2));
  const str = (o: number, s: string) => [...s].forEach((c, i) => buf.setUint8(o + i, c.charCodeAt(0)));
  str(0, 'RIFF');
  buf.setUint32(4, 36 + samples.length * 2, true);
  str(8, 'WAVEfmt ');
  buf.setUint32(16, 16, true);
  buf.setUint16(20, 1, true);
  buf.setUint16(22, 1, true);
  buf.setUint32(24, RATE, true);
  buf.setUint32(28, RATE * 2, true);
  buf.setUint16(32, 2, true);
  buf.setUint16(34, 16, true);
  str(36, 'data');
  buf.setUint32(40, samples.length * 2, true);
  samples.forEach((v, i) => buf.setInt16(44 + i * 2, Math.round(Math.max(-1, Math.min(1, v)) * 32767), true));
  return new Blob([buf.buffer], { type: 'audio/wav' });
}

/** `tones`: [start s, end s, frequencies] within a `seconds`-long loop; 10 ms fades avoid clicks. */
function render(seconds: number, tones: [number, number, number[]][], gain = 0.25): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  for (const [from, to, freqs] of tones) {
    const a = Math.round(from * RATE);
    const b = Math.round(to * RATE);
    const fade = RATE / 100;
    for (let i = a; i < b && i < out.length; i++) {
      const env = Math.min(1, (i - a) / fade, (b - i) / fade);
      let v = 0;
      for (const f of freqs) v += Math.sin((2 * Math.PI * f * (i - a)) / RATE);
      out[i] = (gain * env * v) / freqs.length;
    }
  }
  return out;
}

export function ringtoneWav(kind: Ringtone): Blob | undefined {
  switch (kind) {
    case 'classic': // North American ring cadence: 2 s on, 4 s off, shortened to 0.4/0.2/0.4 pairs
      return wav(
        render(3, [
          [0, 0.4, [440, 480]],
          [0.6, 1.0, [440, 480]],
        ]),
      );
    case 'chime':
      return wav(
        render(2.5, [
          [0, 0.35, [659.25]],
          [0.35, 0.7, [523.25]],
          [0.7, 1.2, [783.99]],
        ]),
      );
    case 'pulse':
      return wav(
        render(2, [
          [0, 0.25, [600]],
          [0.5, 0.75, [600]],
        ]),
      );
    case 'silent':
      return undefined;
  }
}

/** Two short beeps, then quiet for the rest of the loop (ITU-T E.180 style call waiting). */
export function callWaitingWav(): Blob {
  return wav(
    render(
      8,
      [
        [0, 0.2, [440]],
        [0.4, 0.6, [440]],
      ],
      0.15,
    ),
  );
}
