/**
 * Turn what a person typed (or a clicked sip:/tel:/callto: link) into a SIP URI to dial.
 * Visual separators are dropped from numbers; anything that is neither a dialable number nor a
 * plausible SIP address is refused rather than guessed.
 */

export class DialTargetError extends Error {
  readonly code = 'invalid_dial_target';
  constructor(message: string) {
    super(message);
    this.name = 'DialTargetError';
  }
}

const SEPARATORS = /[\s().\-/]/g;
const DIALABLE = /^\+?[0-9*#]+$/;
const SIP_USER = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+$/;
const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/** The digits of a phone number with separators removed, or undefined if it is not one. */
export function normaliseNumber(input: string): string | undefined {
  const stripped = input.trim().replace(SEPARATORS, '');
  return stripped.length > 0 && stripped.length <= 32 && DIALABLE.test(stripped) ? stripped : undefined;
}

function hostOf(domainOrUri: string): string {
  const m = /^sips?:(?:[^@]*@)?([^;>?]+)/i.exec(domainOrUri);
  return m ? m[1]! : domainOrUri;
}

function sipUri(rawUser: string, host: string, scheme = 'sip'): string {
  // '#' is not allowed unescaped in a SIP URI user part (RFC 3261 §25.1).
  const user = rawUser.replace(/#/g, '%23');
  if (!SIP_USER.test(user)) throw new DialTargetError('the user part has characters SIP does not allow');
  if (!HOST.test(host)) throw new DialTargetError('the host is not a valid domain or address');
  return `${scheme}:${user}@${host}`;
}

/**
 * @param input digits, a number with separators, user@host, sip:user@host, tel:+1…, callto:…
 * @param accountUri the account's own SIP URI; its host completes bare numbers and names.
 */
export function toDialUri(input: string, accountUri: string): string {
  let text = input.trim();
  if (text.length === 0) throw new DialTargetError('nothing to dial');
  if (text.length > 256) throw new DialTargetError('dial string too long');
  const domain = hostOf(accountUri);
  const scheme = /^([a-z]+):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'tel' || scheme === 'callto') {
    text = decodeURIComponent(text.slice(scheme.length + 1).replace(/^\/\//, '')).split(';')[0]!;
    const number = normaliseNumber(text);
    if (number) return sipUri(number, domain);
    if (scheme === 'tel') throw new DialTargetError('tel: link without a dialable number');
  } else if (scheme === 'sip' || scheme === 'sips') {
    const rest = text.slice(scheme.length + 1).split(/[;?]/)[0]!;
    const at = rest.lastIndexOf('@');
    if (at <= 0) throw new DialTargetError('SIP URI needs user@host');
    const user = normaliseNumber(rest.slice(0, at)) ?? decodeURIComponent(rest.slice(0, at));
    return sipUri(user, rest.slice(at + 1), scheme);
  } else if (scheme !== undefined && !/^\+?\d/.test(text) && !text.includes('@')) {
    throw new DialTargetError(`unsupported scheme ${scheme}:`);
  }
  const number = normaliseNumber(text);
  if (number) return sipUri(number, domain);
  const at = text.lastIndexOf('@');
  if (at > 0) return sipUri(text.slice(0, at), text.slice(at + 1));
  return sipUri(text, domain);
}
