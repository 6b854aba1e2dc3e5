/**
 * A complex FFT of any length made of small prime factors (mixed radix, decimation in time,
 * iterative, in place after a digit-reversal permutation). Whisper's front-end needs n = 400
 * (2⁴·5²), which no power-of-two FFT covers. Cost n·Σ(factors) complex products per transform.
 */
export class Fft {
  /** Real and imaginary parts of the last transform. */
  readonly re: Float64Array;
  readonly im: Float64Array;
  private readonly perm: Int32Array;
  /** Radix of each stage, first stage first, the sub-transform length it starts from, its twiddles. */
  private readonly stages: { p: number; m: number; twiddle: Int32Array }[] = [];
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(readonly n: number) {
    const factors: number[] = [];
    let rest = n;
    for (let f = 2; rest > 1;) {
      if (rest % f === 0) {
        factors.push(f);
        rest /= f;
      } else if (++f > 97) throw new RangeError(`FFT length ${n} has a large prime factor`);
    }
    this.perm = Int32Array.from(leafOrder(n, factors, 0, 1, 0));
    let m = 1;
    for (const p of [...factors].reverse()) {
      // twiddle[idx * p + r] = table index of W_size^(r·idx), idx < size
      const size = p * m;
      const twiddle = new Int32Array(size * p);
      for (let idx = 0; idx < size; idx++)
        for (let r = 0; r < p; r++) twiddle[idx * p + r] = ((r * idx * n) / size) % n;
      this.stages.push({ p, m, twiddle });
      m *= p;
    }
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      this.cos[j] = Math.cos((2 * Math.PI * j) / n);
      this.sin[j] = -Math.sin((2 * Math.PI * j) / n);
    }
    this.re = new Float64Array(n);
    this.im = new Float64Array(n);
  }

  /** DFT of a real signal (length n); results in `re` / `im`. */
  real(x: ArrayLike<number>): void {
    for (let i = 0; i < this.n; i++) {
      this.re[i] = x[this.perm[i]!]!;
      this.im[i] = 0;
    }
    this.run();
  }

  /** DFT of a complex signal (length n); results in `re` / `im`. */
  complex(xr: ArrayLike<number>, xi: ArrayLike<number>): void {
    for (let i = 0; i < this.n; i++) {
      this.re[i] = xr[this.perm[i]!]!;
      this.im[i] = xi[this.perm[i]!]!;
    }
    this.run();
  }

  private run(): void {
    const { n, re, im, cos, sin } = this;
    const yr = new Float64Array(8);
    const yi = new Float64Array(8);
    for (const { p, m, twiddle } of this.stages) {
      const size = p * m;
      if (p === 2) {
        radix2(re, im, n, m, twiddle, cos, sin);
        continue;
      }
      for (let base = 0; base < n; base += size) {
        for (let k = 0; k < m; k++) {
          for (let r = 0; r < p; r++) {
            yr[r] = re[base + r * m + k]!;
            yi[r] = im[base + r * m + k]!;
          }
          for (let q = 0; q < p; q++) {
            const idx = k + q * m;
            let sr = 0;
            let si = 0;
            for (let r = 0; r < p; r++) {
              const w = twiddle[idx * p + r]!;
              const c = cos[w]!;
              const s = sin[w]!;
              sr += yr[r]! * c - yi[r]! * s;
              si += yr[r]! * s + yi[r]! * c;
            }
            re[base + idx] = sr;
            im[base + idx] = si;
          }
        }
      }
    }
  }
}

/** A radix-2 stage as butterflies: W^(k+m) = −W^k, one complex product per pair. */
function radix2(
  re: Float64Array,
  im: Float64Array,
  n: number,
  m: number,
  twiddle: Int32Array,
  cos: Float64Array,
  sin: Float64Array,
): void {
  for (let base = 0; base < n; base += 2 * m) {
    for (let k = 0; k < m; k++) {
      const a = base + k;
      const b = a + m;
      const w = twiddle[k * 2 + 1]!;
      const c = cos[w]!;
      const s = sin[w]!;
      const tr = re[b]! * c - im[b]! * s;
      const ti = re[b]! * s + im[b]! * c;
      re[b] = re[a]! - tr;
      im[b] = im[a]! - ti;
      re[a] = re[a]! + tr;
      im[a] = im[a]! + ti;
    }
  }
}

/**
 * The spectrum of a real signal of even length n from one complex FFT of length n/2 (the even
 * samples as real parts, the odd ones as imaginary parts, then untangled): bins 0..n/2.
 */
export class RealFft {
  /** Bins 0..n/2 of the last transform. */
  readonly re: Float64Array;
  readonly im: Float64Array;
  private readonly half: Fft;
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(readonly n: number) {
    if (n % 2 !== 0) throw new RangeError('RealFft needs an even length');
    const h = n / 2;
    this.half = new Fft(h);
    this.zr = new Float64Array(h);
    this.zi = new Float64Array(h);
    this.re = new Float64Array(h + 1);
    this.im = new Float64Array(h + 1);
    this.cos = Float64Array.from({ length: h + 1 }, (_, k) => Math.cos((2 * Math.PI * k) / n));
    this.sin = Float64Array.from({ length: h + 1 }, (_, k) => -Math.sin((2 * Math.PI * k) / n));
  }

  transform(x: ArrayLike<number>): void {
    const h = this.n / 2;
    for (let j = 0; j < h; j++) {
      this.zr[j] = x[2 * j]!;
      this.zi[j] = x[2 * j + 1]!;
    }
    this.half.complex(this.zr, this.zi);
    const { re: Zr, im: Zi } = this.half;
    for (let k = 0; k <= h; k++) {
      const ar = Zr[k % h]!;
      const ai = Zi[k % h]!;
      const br = Zr[(h - k) % h]!;
      const bi = -Zi[(h - k) % h]!; // conj(Z[h − k])
      const er = (ar + br) / 2; // even part
      const ei = (ai + bi) / 2;
      const or = (ai - bi) / 2; // odd part = −i (a − b) / 2
      const oi = -(ar - br) / 2;
      const c = this.cos[k]!;
      const s = this.sin[k]!;
      this.re[k] = er + or * c - oi * s;
      this.im[k] = ei + or * s + oi * c;
    }
  }
}

/** Input index of each leaf in the order the stages combine them (the recursive split, flattened). */
function leafOrder(n: number, factors: number[], depth: number, stride: number, offset: number): number[] {
  if (n === 1) return [offset];
  const p = factors[depth]!;
  const out: number[] = [];
  for (let r = 0; r < p; r++)
    out.push(...leafOrder(n / p, factors, depth + 1, stride * p, offset + r * stride));
  return out;
}
