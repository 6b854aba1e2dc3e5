/**
 * The sound sources the fake can play with the `playback` app (no sound files here, as on the
 * minimal media server): tone_stream://%(on,off,f1[,f2…]);…;loops=N (mod_tone_stream's teletone
 * segments; loops=-1 repeats forever) and silence_stream://ms. Anything else is "FILE NOT FOUND".
 * Produces 20 ms frames at the codec rate.
 */

export interface ToneSource {
  /** The next 20 ms, or undefined when the source is done. */
  next(): Int16Array | undefined;
}

interface Segment {
  onMs: number;
  offMs: number;
  freqs: number[];
}

export function parseToneStream(spec: string): Segment[] | undefined {
  const segments: Segment[] = [];
  let loops = 1;
  for (const part of spec.split(';')) {
    const p = part.trim();
    const m = /^%\((\d+),(\d+)((?:,\d+(?:\.\d+)?)*)\)$/.exec(p);
    if (m) {
      const freqs = m[3] ? m[3].slice(1).split(',').map(Number) : [];
      segments.push({ onMs: Number(m[1]), offMs: Number(m[2]), freqs });
    } else if (/^loops=-?\d+$/.test(p)) loops = Number(p.slice(6));
    else if (p !== '') return undefined;
  }
  if (segments.length === 0) return undefined;
  if (loops < 0) loops = Number.POSITIVE_INFINITY;
  const out: Segment[] = [];
  for (let i = 0; i < Math.min(loops, 1000); i++) out.push(...segments);
  return out;
}

/** A playable source for a `playback` argument, or undefined when the "file" does not exist. */
export function openSource(file: string, rate: number): ToneSource | undefined {
  const frame = Math.round(rate / 50);
  let samples: Generator<number> | undefined;
  if (file.startsWith('silence_stream://')) {
    const ms = Number.parseInt(file.slice(17), 10);
    const total = Number.isFinite(ms) && ms > 0 ? Math.round((ms * rate) / 1000) : Number.POSITIVE_INFINITY;
    samples = (function* () {
      for (let i = 0; i < total; i++) yield 0;
    })();
  } else if (file.startsWith('tone_stream://')) {
    const segs = parseToneStream(file.slice(14));
    if (!segs) return undefined;
    samples = (function* () {
      let t = 0;
      for (const s of segs) {
        const on = Math.round((s.onMs * rate) / 1000);
        for (let i = 0; i < on; i++, t++) {
          let v = 0;
          for (const f of s.freqs) v += Math.sin((2 * Math.PI * f * t) / rate);
          yield Math.round((v / Math.max(1, s.freqs.length)) * 8000);
        }
        const off = Math.round((s.offMs * rate) / 1000);
        for (let i = 0; i < off; i++, t++) yield 0;
      }
    })();
  }
  if (!samples) return undefined;
  const gen = samples;
  return {
    next() {
      const out = new Int16Array(frame);
      let n = 0;
      for (; n < frame; n++) {
        const r = gen.next();
        if (r.done) break;
        out[n] = r.value;
      }
      return n === 0 ? undefined : out;
    },
  };
}
