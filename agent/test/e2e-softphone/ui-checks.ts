/**
 * Checks of the softphone UI during a real call, shared by the Chromium end-to-end tests: focus and
 * typed text survive the page's refreshes, Escape in a text field does nothing, text on the call cards
 * is readable (contrast from rendered colours), and axe-core finds nothing serious in light or dark.
 */
import { expect } from 'vitest';
import { axeSerious, renderedContrast } from '../../src/testing/page-audit.js';
import { sleep, waitFor } from '../../src/testing/softphone-e2e.js';
import type { PhonePage } from '../../src/testing/softphone-page.js';

const mark = (sel: string) =>
  `(() => { const e = document.activeElement; e.__sbMark = ${JSON.stringify(sel)}; return e.getAttribute('aria-label') || e.id; })()`;
const stillMarked = (sel: string) =>
  `document.activeElement && document.activeElement.__sbMark === ${JSON.stringify(sel)}`;

/** At least `ms` pass and the call card re-renders at least once meanwhile (its timer text changes). */
async function updatesFor(phone: PhonePage, ms: number): Promise<void> {
  const start = Date.now();
  const before = await phone.callStatus();
  await waitFor(
    'a call card update',
    async () => ((await phone.callStatus()) !== before ? 1 : undefined),
    10_000,
  );
  const left = ms - (Date.now() - start);
  if (left > 0) await sleep(left);
}

/** Focus on Hold and a half-typed transfer target stay put through 1.5 s of call updates (timer, quality). */
export async function checkFocusSurvivesUpdates(phone: PhonePage): Promise<void> {
  const page = phone.page;
  await phone.callButton('Hold').focus();
  expect(await page.evaluate(mark('hold'))).toMatch(/^Hold /);
  await updatesFor(phone, 1500);
  expect(await page.evaluate(stillMarked('hold'))).toBe(true);

  const card = page.getByRole('list', { name: 'Calls' }).locator('li.call-card').first();
  await card.locator('summary', { hasText: 'Transfer' }).click();
  const target = card.getByLabel('Transfer to');
  await target.click();
  await page.keyboard.type('sales 20');
  await page.evaluate(mark('transfer'));
  await updatesFor(phone, 1500);
  expect(await page.evaluate(stillMarked('transfer'))).toBe(true);
  expect(await target.inputValue()).toBe('sales 20');
  await page.keyboard.type('0');
  expect(await target.inputValue()).toBe('sales 200');

  // Escape while typing belongs to the field: the call stays up.
  await page.keyboard.press('Escape');
  await page.getByLabel('Number or SIP address').focus();
  await page.keyboard.press('Escape');
  await sleep(500);
  expect(await phone.callStatus()).toMatch(/^Connected/);
  await target.fill('');
  await card.locator('summary', { hasText: 'Transfer' }).click();
  await page.evaluate('document.activeElement && document.activeElement.blur()');
}

/** Every piece of text on the call cards meets WCAG AA (4.5:1) in light and dark. */
export async function checkCallCardContrast(phone: PhonePage): Promise<number> {
  let min = Infinity;
  for (const scheme of ['light', 'dark'] as const) {
    await phone.page.emulateMedia({ colorScheme: scheme });
    const samples = await renderedContrast(phone.page, 'li.call-card');
    expect(samples.length).toBeGreaterThan(3);
    const low = samples.filter((s) => s.ratio < 4.5);
    expect(low, `${scheme}: ${JSON.stringify(low)}`).toEqual([]);
    min = Math.min(min, ...samples.map((s) => s.ratio));
  }
  await phone.page.emulateMedia({ colorScheme: 'light' });
  return min;
}

/** axe-core: no serious or critical violations, light and dark. */
export async function checkAxe(phone: PhonePage, what: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await phone.page.emulateMedia({ colorScheme: scheme });
    expect(await axeSerious(phone.page), `${what}, ${scheme}`).toEqual([]);
  }
  await phone.page.emulateMedia({ colorScheme: 'light' });
}
