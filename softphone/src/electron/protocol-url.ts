/**
 * Click-to-call: pull a sip:/sips:/tel:/callto: link out of a command line (Windows/Linux deliver it in
 * argv, macOS as open-url) and reduce it to something safe to put in the dial field.
 */
import { normaliseNumber } from '../core/dial-target.js';

export const PROTOCOLS = ['sip', 'sips', 'tel', 'callto'] as const;

const SIP_TARGET =
  /^(sips?):([A-Za-z0-9\-_.!~*'()&=+$,;?/%]+)@([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\])(:\d{1,5})?$/i;

/** The dialable target of a protocol URL, or undefined when it is not one we accept. */
export function parseProtocolUrl(raw: string): string | undefined {
  const text = raw.trim();
  if (text.length === 0 || text.length > 256) return undefined;
  const scheme = /^([a-z]+):/i.exec(text)?.[1]?.toLowerCase();
  if (!scheme || !(PROTOCOLS as readonly string[]).includes(scheme)) return undefined;
  let rest: string;
  try {
    rest = decodeURIComponent(text.slice(scheme.length + 1).replace(/^\/\//, ''));
  } catch {
    return undefined;
  }
  if (scheme === 'tel' || scheme === 'callto') {
    const number = normaliseNumber(rest.split(/[;?]/)[0]!);
    if (number) return number;
    if (scheme === 'tel') return undefined;
  }
  const bare = rest.split(/[;?]/)[0]!;
  const m = SIP_TARGET.exec(`${scheme === 'sips' ? 'sips' : 'sip'}:${bare}`);
  return m ? `${m[1]!.toLowerCase()}:${m[2]}@${m[3]}${m[4] ?? ''}` : undefined;
}

/** The first protocol URL in an argv, parsed. */
export function dialTargetFromArgv(argv: readonly string[]): string | undefined {
  for (const arg of argv) {
    if (!/^(sips?|tel|callto):/i.test(arg)) continue;
    const target = parseProtocolUrl(arg);
    if (target) return target;
  }
  return undefined;
}
