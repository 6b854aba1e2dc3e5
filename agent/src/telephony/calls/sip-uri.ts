/** SIP URIs and name-addr values (From, To, Contact, Refer-To), pure: the one grammar both back-ends read. */

export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  user?: string;
  host: string;
  port?: number;
  /** URI parameters (;transport=tcp;lr); flag params map to ''. */
  params: Record<string, string>;
  headers?: string;
}

export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  /** Header parameters after the URI (;tag=…;expires=…). */
  params: Record<string, string>;
}

export function parseParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(';')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq < 0) out[p.toLowerCase()] = '';
    else
      out[p.slice(0, eq).trim().toLowerCase()] = p
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
  }
  return out;
}

export function formatParams(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => (v === '' ? `;${k}` : `;${k}=${v}`))
    .join('');
}

export function parseUri(text: string): SipUri | undefined {
  const m = /^(sips?|tel):(.*)$/i.exec(text.trim());
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase() as SipUri['scheme'];
  let rest = m[2]!;
  let headers: string | undefined;
  const q = rest.indexOf('?');
  if (q >= 0) {
    headers = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (scheme === 'tel') {
    const [num, ...ps] = rest.split(';');
    if (!num) return undefined;
    return { scheme, user: num, host: '', params: parseParams(ps.join(';')) };
  }
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? decodeURIComponentSafe(rest.slice(0, at).split(':')[0]!) : undefined;
  const hostPart = at >= 0 ? rest.slice(at + 1) : rest;
  const semi = hostPart.indexOf(';');
  const hostport = semi >= 0 ? hostPart.slice(0, semi) : hostPart;
  const params = semi >= 0 ? parseParams(hostPart.slice(semi + 1)) : {};
  const hp = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(hostport);
  if (!hp) return undefined;
  const port = hp[2] === undefined ? undefined : Number(hp[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const uri: SipUri = { scheme, host: hp[1]!.toLowerCase(), params };
  if (user !== undefined && user !== '') uri.user = user;
  if (port !== undefined) uri.port = port;
  if (headers !== undefined) uri.headers = headers;
  return uri;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function formatUri(uri: SipUri): string {
  if (uri.scheme === 'tel') return `tel:${uri.user ?? ''}${formatParams(uri.params)}`;
  const user = uri.user !== undefined ? `${uri.user}@` : '';
  const port = uri.port !== undefined ? `:${uri.port}` : '';
  const headers = uri.headers !== undefined ? `?${uri.headers}` : '';
  return `${uri.scheme}:${user}${uri.host}${port}${formatParams(uri.params)}${headers}`;
}

/** Host without IPv6 brackets. */
export function bareHost(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

export function parseNameAddr(text: string): NameAddr | undefined {
  const t = text.trim();
  const lt = t.indexOf('<');
  if (lt >= 0) {
    const gt = t.indexOf('>', lt);
    if (gt < 0) return undefined;
    const uri = parseUri(t.slice(lt + 1, gt));
    if (!uri) return undefined;
    const display = t
      .slice(0, lt)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    const out: NameAddr = { uri, params: parseParams(t.slice(gt + 1)) };
    if (display) out.displayName = display;
    return out;
  }
  // addr-spec form: parameters after the URI belong to the header, not the URI.
  const semi = t.indexOf(';');
  const uri = parseUri(semi >= 0 ? t.slice(0, semi) : t);
  if (!uri) return undefined;
  return { uri, params: semi >= 0 ? parseParams(t.slice(semi + 1)) : {} };
}

export function formatNameAddr(na: NameAddr): string {
  const display = na.displayName ? `"${na.displayName.replace(/"/g, '')}" ` : '';
  return `${display}<${formatUri(na.uri)}>${formatParams(na.params)}`;
}
