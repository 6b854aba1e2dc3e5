/** A small line chart (categorical x, linear y from 0) drawn into RGB pixels and encoded as PNG. */
import { GLYPH_H, glyphRows, textWidth } from './bitmap-font.js';
import { encodePng } from './png-encoder.js';

export type Rgb = readonly [number, number, number];

export interface Series {
  name: string;
  color: Rgb;
  /** One y per x category; undefined leaves a gap. */
  values: (number | undefined)[];
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  categories: string[];
  series: Series[];
  width?: number;
  height?: number;
}

class Canvas {
  readonly px: Uint8Array;
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.px = new Uint8Array(w * h * 3).fill(255);
  }

  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) return;
    const i = (y * this.w + x) * 3;
    this.px[i] = c[0];
    this.px[i + 1] = c[1];
    this.px[i + 2] = c[2];
  }

  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.set(x + i, y + j, c);
  }

  /** A line `thick` pixels wide; every other 6-pixel run skipped when dashed. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thick = 1, dashed = false): void {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    const r = Math.floor(thick / 2);
    for (let s = 0; s <= steps; s++) {
      if (dashed && Math.floor(s / 6) % 2 === 1) continue;
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      this.rect(Math.round(x) - r, Math.round(y) - r, thick, thick, c);
    }
  }

  text(x: number, y: number, s: string, c: Rgb, scale = 2): void {
    let cx = x;
    for (const ch of s) {
      glyphRows(ch).forEach((row, ry) =>
        row.forEach((on, rx) => {
          if (on) this.rect(cx + rx * scale, y + ry * scale, scale, scale, c);
        }),
      );
      cx += 6 * scale;
    }
  }

  /** Text rotated 90° anticlockwise, reading bottom to top, starting at (x, y) = bottom-left. */
  textUp(x: number, y: number, s: string, c: Rgb, scale = 2): void {
    let cy = y;
    for (const ch of s) {
      glyphRows(ch).forEach((row, ry) =>
        row.forEach((on, rx) => {
          if (on) this.rect(x + ry * scale, cy - (rx + 1) * scale, scale, scale, c);
        }),
      );
      cy -= 6 * scale;
    }
  }
}

/** A round axis maximum ≥ v with ticks of 1, 2 or 5 × 10^k. */
export function niceScale(v: number, ticks = 5): { max: number; step: number } {
  if (!(v > 0)) return { max: 1, step: 0.2 };
  const raw = v / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return { max: Math.ceil(v / step) * step, step };
}

const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export function renderLineChart(spec: ChartSpec): Buffer {
  const W = spec.width ?? 900;
  const H = spec.height ?? 520;
  const c = new Canvas(W, H);
  const left = 110;
  const right = W - 30;
  const top = 60;
  const bottom = H - 110;
  const all = spec.series.flatMap((s) =>
    s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)),
  );
  const { max, step } = niceScale(Math.max(1, ...all));
  const y = (v: number): number => bottom - ((bottom - top) * v) / max;
  const n = spec.categories.length;
  const x = (i: number): number =>
    n <= 1 ? (left + right) / 2 : left + 20 + ((right - left - 40) * i) / (n - 1);

  c.text((W - textWidth(spec.title, 3)) / 2, 15, spec.title, INK, 3);
  for (let v = 0; v <= max + 1e-9; v += step) {
    c.line(left, y(v), right, y(v), GRID);
    const label = fmt(v);
    c.text(left - 10 - textWidth(label, 2), y(v) - GLYPH_H, label, INK, 2);
  }
  c.line(left, top, left, bottom, INK, 2);
  c.line(left, bottom, right, bottom, INK, 2);
  spec.categories.forEach((cat, i) => {
    c.line(x(i), bottom, x(i), bottom + 6, INK, 2);
    c.text(x(i) - textWidth(cat, 2) / 2, bottom + 12, cat, INK, 2);
  });
  c.text((left + right - textWidth(spec.xLabel, 2)) / 2, bottom + 40, spec.xLabel, INK, 2);
  c.textUp(20, (top + bottom + textWidth(spec.yLabel, 2)) / 2, spec.yLabel, INK, 2);

  for (const s of spec.series) {
    let prev: [number, number] | undefined;
    s.values.forEach((v, i) => {
      if (v === undefined || !Number.isFinite(v)) {
        prev = undefined;
        return;
      }
      const pt: [number, number] = [x(i), y(v)];
      if (prev) c.line(prev[0], prev[1], pt[0], pt[1], s.color, 3, s.dashed);
      c.rect(pt[0] - 4, pt[1] - 4, 9, 9, s.color);
      prev = pt;
    });
  }
  // Legend along the bottom.
  let lx = left;
  for (const s of spec.series) {
    c.line(lx, H - 25, lx + 30, H - 25, s.color, 3, s.dashed);
    c.text(lx + 38, H - 32, s.name, INK, 2);
    lx += 38 + textWidth(s.name, 2) + 30;
  }
  return encodePng(W, H, c.px);
}
