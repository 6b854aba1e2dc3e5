/** TEST-ONLY: exact bytes over UDP or TCP to the gateway, collecting whatever comes back (bounded). */
import dgram from 'node:dgram';
import net from 'node:net';
import { answerChallenge, formatCredentials, parseChallenge } from '../../../routing/digest.js';

export interface RawExchange {
  replies: string[];
  close(): void;
  send(text: string | Buffer): void;
  /** Wait until `count` replies arrived or timeoutMs passed. */
  waitReplies(count: number, timeoutMs?: number): Promise<string[]>;
}

export async function rawUdp(port: number, localAddress = '127.0.0.1'): Promise<RawExchange> {
  const sock = dgram.createSocket('udp4');
  const replies: string[] = [];
  sock.on('message', (m) => replies.push(m.toString()));
  await new Promise<void>((r) => sock.bind(0, localAddress, () => r()));
  return exchange(
    replies,
    (d) => sock.send(d, port, '127.0.0.1'),
    () => sock.close(),
    sock.address().port,
  );
}

export async function rawTcp(port: number): Promise<RawExchange> {
  const sock = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  const replies: string[] = [];
  let buf = '';
  sock.on('data', (d) => {
    buf += d.toString();
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) break;
      const len = Number(/content-length:\s*(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + len) break;
      replies.push(buf.slice(0, end + 4 + len));
      buf = buf.slice(end + 4 + len);
    }
  });
  sock.on('error', () => undefined);
  return exchange(
    replies,
    (d) => sock.write(d),
    () => sock.destroy(),
    sock.localPort ?? 0,
  );
}

function exchange(
  replies: string[],
  send: (d: Buffer) => void,
  close: () => void,
  localPort: number,
): RawExchange & { localPort: number } {
  return {
    replies,
    localPort,
    close,
    send: (t) => send(typeof t === 'string' ? Buffer.from(t) : t),
    async waitReplies(count, timeoutMs = 2000) {
      const end = Date.now() + timeoutMs;
      while (replies.length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return replies;
    },
  };
}

/** A valid INVITE with an SDP offer; override parts to break it. */
export function inviteText(
  o: {
    branch?: string;
    callId?: string;
    user?: string;
    port?: number;
    transport?: string;
    extraHeaders?: string[];
    localPort?: number;
  } = {},
): string {
  const sdp =
    'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 21100 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
  const t = o.transport ?? 'UDP';
  return [
    `INVITE sip:${o.user ?? '7000'}@127.0.0.1:${o.port ?? 5060} SIP/2.0`,
    `Via: SIP/2.0/${t} 127.0.0.1:${o.localPort ?? 5099};branch=${o.branch ?? 'z9hG4bK' + Math.random().toString(36).slice(2)};rport`,
    'From: <sip:raw@127.0.0.1>;tag=rawtag1',
    `To: <sip:${o.user ?? '7000'}@127.0.0.1>`,
    `Call-ID: ${o.callId ?? Math.random().toString(36).slice(2)}@raw`,
    'CSeq: 1 INVITE',
    `Contact: <sip:raw@127.0.0.1:${o.localPort ?? 5099}>`,
    'Max-Forwards: 70',
    ...(o.extraHeaders ?? []),
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n');
}

/**
 * The header line answering the digest challenge in `reply` (401 → Authorization, 407 →
 * Proxy-Authorization); `qop: false` answers RFC 2069 style (no qop, no nonce count).
 */
export function digestHeader(
  reply: string,
  o: { username: string; password: string; method: string; uri: string; nc?: number; qop?: boolean },
): string {
  const status = Number(/^SIP\/2\.0 (\d{3})/.exec(reply)?.[1] ?? 0);
  const name = status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  const header = new RegExp(`^${name}: (.*)$`, 'mi').exec(reply)?.[1];
  const ch = header ? parseChallenge(header) : undefined;
  if (!ch) throw new Error(`no digest challenge in:\n${reply}`);
  const creds = answerChallenge(o.qop === false ? { ...ch, qop: [] } : ch, {
    username: o.username,
    password: o.password,
    method: o.method,
    uri: o.uri,
    cnonce: Math.random().toString(36).slice(2, 10),
    nc: o.nc ?? 1,
  });
  return `${status === 401 ? 'Authorization' : 'Proxy-Authorization'}: ${formatCredentials(creds)}`;
}
