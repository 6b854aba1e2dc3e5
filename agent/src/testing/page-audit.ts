/**
 * TEST-ONLY: checks of a rendered page as a person sees it. axe-core (run in the page through the
 * DevTools protocol, which the page's CSP does not block), WCAG contrast computed from the colours the
 * browser actually rendered, and screenshots at phone and desktop widths in light and dark.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** Serious and critical axe-core violations on the page as it is now (empty when it passes). */
export async function axeSerious(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  return (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`)) as AxeFinding[];
}

export interface ContrastSample {
  text: string;
  color: string;
  background: string;
  ratio: number;
}

/**
 * The WCAG contrast ratio of every element with its own text under `selector`, from computed colours:
 * the background is the first non-transparent one up the tree (alpha composited over what is below).
 */
export async function renderedContrast(page: Page, selector: string): Promise<ContrastSample[]> {
  return (await page.evaluate(`(() => {
    const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m[3] ?? 1 }; };
    const over = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
    const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
    const backgroundOf = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.a > 0) layers.push(c);
        if (c.a >= 1) break;
      }
      let bg = { r: 255, g: 255, b: 255, a: 1 };
      for (const l of layers.reverse()) bg = over(l, bg);
      return bg;
    };
    const out = [];
    for (const root of document.querySelectorAll(${JSON.stringify(selector)})) {
      for (const el of [root, ...root.querySelectorAll('*')]) {
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        if (!own || el.closest('.sr-only') || el.getClientRects().length === 0) continue;
        const bg = backgroundOf(el);
        const fg = over(parse(getComputedStyle(el).color), bg);
        const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
        out.push({ text: el.textContent.trim().slice(0, 40), color: getComputedStyle(el).color,
          background: 'rgb(' + [bg.r, bg.g, bg.b].map(Math.round).join(', ') + ')', ratio: Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100 });
      }
    }
    return out;
  })()`)) as ContrastSample[];
}

export const SCREENSHOT_DIR = join(import.meta.dirname, '../../../softphone/screenshots');

/**
 * `<name>-<width>-<scheme>.png` at 380 px (whole page) and 1280×900 (what fits on the screen) in
 * light and dark; the page is left at 1280 px, light.
 */
export async function screenshots(page: Page, name: string, dir = SCREENSHOT_DIR): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
    for (const width of [380, 1280]) {
      await page.setViewportSize({ width, height: width === 380 ? 820 : 900 });
      await page.waitForTimeout(150);
      const path = join(dir, `${name}-${width}-${scheme}.png`);
      await page.screenshot({ path, fullPage: width === 380, animations: 'disabled', caret: 'hide' });
      written.push(path);
    }
  }
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
  await page.setViewportSize({ width: 1280, height: 900 });
  return written;
}
