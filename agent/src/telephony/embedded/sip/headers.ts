/**
 * SIP header list: ordered, case-insensitive, compact forms expanded (RFC 3261 §7.3.3),
 * comma-separated multi-value headers split on demand (quotes and <> respected).
 */
import { splitList } from '../../calls/sip-text.js';

const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  r: 'refer-to',
  b: 'referred-by',
  o: 'event',
  u: 'allow-events',
  x: 'session-expires',
};

const CANONICAL: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'content-length': 'Content-Length',
  'mime-version': 'MIME-Version',
  'min-se': 'Min-SE', // RFC 4028 spells it so, and some peers match header names case-sensitively
};

/** Headers whose value is never split on commas (dates, auth challenges, free text). */
const NOT_LIST = new Set([
  'www-authenticate',
  'authorization',
  'proxy-authenticate',
  'proxy-authorization',
  'date',
  'user-agent',
  'server',
  'subject',
  'call-id',
  'cseq',
  'from',
  'to',
  'warning',
  'retry-after',
  'refer-to',
  'referred-by',
]);

export function normalizeHeaderName(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT[lower] ?? lower;
}

export function canonicalHeaderName(lower: string): string {
  return (
    CANONICAL[lower] ?? lower.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())
  );
}

export class SipHeaders {
  private readonly list: Array<[string, string]> = [];

  constructor(init?: Iterable<[string, string]>) {
    if (init) for (const [n, v] of init) this.append(n, v);
  }

  append(name: string, value: string): this {
    this.list.push([normalizeHeaderName(name), value.trim()]);
    return this;
  }

  /** Insert before all existing values of the same header (e.g. our Via on top). */
  prepend(name: string, value: string): this {
    const n = normalizeHeaderName(name);
    const idx = this.list.findIndex(([k]) => k === n);
    this.list.splice(idx < 0 ? this.list.length : idx, 0, [n, value.trim()]);
    return this;
  }

  set(name: string, value: string): this {
    this.delete(name);
    return this.append(name, value);
  }

  /** Replace every line of a header with these values, keeping the position of the first line. */
  replaceAll(name: string, values: string[]): this {
    const n = normalizeHeaderName(name);
    const at = this.list.findIndex(([k]) => k === n);
    this.delete(name);
    const idx = at < 0 ? this.list.length : at;
    this.list.splice(idx, 0, ...values.map((v): [string, string] => [n, v.trim()]));
    return this;
  }

  delete(name: string): this {
    const n = normalizeHeaderName(name);
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]![0] === n) this.list.splice(i, 1);
    return this;
  }

  has(name: string): boolean {
    const n = normalizeHeaderName(name);
    return this.list.some(([k]) => k === n);
  }

  /** First header line's raw value. */
  get(name: string): string | undefined {
    const n = normalizeHeaderName(name);
    return this.list.find(([k]) => k === n)?.[1];
  }

  /** All values, header lines in order, comma-lists split (except for headers that are never lists). */
  getAll(name: string): string[] {
    const n = normalizeHeaderName(name);
    const lines = this.list.filter(([k]) => k === n).map(([, v]) => v);
    return NOT_LIST.has(n) ? lines : lines.flatMap(splitList);
  }

  /** Raw header lines as [lowercase name, value]. */
  entries(): Array<[string, string]> {
    return this.list.map(([n, v]) => [n, v]);
  }

  clone(): SipHeaders {
    return new SipHeaders(this.list);
  }
}

export { splitList };
