/**
 * TEST-ONLY: a small SIP phone over UDP from a chosen loopback address, written out as text so the
 * tests see every status: places calls (answering one digest challenge, ACKing finals), registers,
 * answers requests in a dialog (REFER, NOTIFY, BYE) and sends its own, and answers INVITEs as a
 * softphone. What it sends is plain RFC 3261; both back-ends see exactly the same bytes.
 */
import dgram from 'node:dgram';
import { digestHeader } from '../../src/telephony/embedded/testing/raw-sip-client.js';

export interface Target {
  address: string;
  port: number;
}

export interface Received {
  text: string;
  from: Target;
}

export interface PhoneDialog {
  callId: string;
  localTag: string;
  from: string;
  to: string;
  remoteTarget: string;
  routes: string[];
  cseq: number;
}

export interface CallAttempt {
  status: number;
  /** The final response. */
  response: string;
  callId: string;
  /** The 401 the first INVITE got, when there was one. */
  challenge?: string;
  dialog?: PhoneDialog;
}

export const statusOf = (text: string | undefined): number =>
  Number(/^SIP\/2\.0 (\d{3})/.exec(text ?? '')?.[1] ?? 0);
export const header = (text: string, name: string): string | undefined =>
  new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(text)?.[1]?.trim();
export const headers = (text: string, name: string): string[] =>
  [...text.matchAll(new RegExp(`^${name}:\\s*(.*)$`, 'gmi'))].map((m) => m[1]!.trim());
const rand = (): string => Math.random().toString(36).slice(2, 10);
const uriOf = (v: string): string => /<([^>]*)>/.exec(v)?.[1] ?? v.split(';')[0]!.trim();

/** host:port of a SIP URI (loopback tests: IP literals). */
function hostPort(uri: string): Target {
  const m = /^sips?:(?:[^@]*@)?([^:;>]+)(?::(\d+))?/.exec(uri)!;
  return { address: m[1]!, port: Number(m[2] ?? 5060) };
}

export class TestPhone {
  readonly received: Received[] = [];

  private constructor(
    private readonly sock: dgram.Socket,
    readonly address: string,
    readonly port: number,
  ) {
    sock.on('message', (m, r) =>
      this.received.push({ text: m.toString('latin1'), from: { address: r.address, port: r.port } }),
    );
  }

  static async open(address = '127.0.0.1'): Promise<TestPhone> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, address, () => r()));
    return new TestPhone(sock, address, sock.address().port);
  }

  close(): void {
    this.sock.close();
  }

  get contact(): string {
    return `<sip:phone@${this.address}:${this.port}>`;
  }

  send(text: string, to: Target): void {
    this.sock.send(Buffer.from(text, 'latin1'), to.port, to.address);
  }

  async next(test: (m: Received) => boolean, from = 0, timeoutMs = 5000): Promise<Received | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.slice(from).find(test);
      if (hit || Date.now() > end) return hit;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The next request of `method` that arrives (from index `from`). */
  request(method: string, from = 0, timeoutMs = 5000): Promise<Received | undefined> {
    return this.next((m) => m.text.startsWith(`${method} `), from, timeoutMs);
  }

  private async final(callId: string, method: string, from: number, timeoutMs = 8000): Promise<string> {
    const hit = await this.next(
      (m) =>
        statusOf(m.text) >= 200 &&
        header(m.text, 'Call-ID') === callId &&
        new RegExp(`^CSeq:\\s*\\d+ ${method}`, 'mi').test(m.text),
      from,
      timeoutMs,
    );
    if (!hit) throw new Error(`no final response to ${method} ${callId}`);
    return hit.text;
  }

  private via(): string {
    return `Via: SIP/2.0/UDP ${this.address}:${this.port};branch=z9hG4bK${rand()};rport`;
  }

  /** INVITE sip:user@target; one digest challenge answered with `auth`; the final ACKed. */
  async invite(
    target: Target,
    user: string,
    o: {
      auth?: { username: string; password: string };
      callId?: string;
      fromUser?: string;
      /** Extra header lines on the first INVITE (a captured Authorization, say). */
      headers?: string[];
    } = {},
  ): Promise<CallAttempt> {
    const callId = o.callId ?? `${rand()}@phone`;
    const ruri = `sip:${user}@${target.address}:${target.port}`;
    const from = `<sip:${o.fromUser ?? 'phone'}@${this.address}>;tag=${rand()}`;
    const sdp =
      `v=0\r\no=- 1 1 IN IP4 ${this.address}\r\ns=-\r\nc=IN IP4 ${this.address}\r\nt=0 0\r\n` +
      `m=audio ${this.port + 1} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n`;
    const build = (cseq: number, extra: string[]): string =>
      [
        `INVITE ${ruri} SIP/2.0`,
        this.via(),
        `From: ${from}`,
        `To: <sip:${user}@${target.address}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} INVITE`,
        `Contact: ${this.contact}`,
        'Max-Forwards: 70',
        ...extra,
        'Content-Type: application/sdp',
        `Content-Length: ${Buffer.byteLength(sdp)}`,
        '',
        sdp,
      ].join('\r\n');
    let at = this.received.length;
    let invite = build(1, o.headers ?? []);
    this.send(invite, target);
    let res = await this.final(callId, 'INVITE', at);
    let challenge: string | undefined;
    if (statusOf(res) === 401 && o.auth) {
      challenge = res;
      this.ackFailure(invite, res, target);
      const auth = digestHeader(res, { ...o.auth, method: 'INVITE', uri: ruri });
      at = this.received.length;
      invite = build(2, [auth]);
      this.send(invite, target);
      res = await this.final(callId, 'INVITE', at);
    }
    const attempt: CallAttempt = { status: statusOf(res), response: res, callId };
    if (challenge) attempt.challenge = challenge;
    if (statusOf(res) >= 300) {
      this.ackFailure(invite, res, target);
      return attempt;
    }
    const dialog: PhoneDialog = {
      callId,
      localTag: /tag=([^;\s]+)/.exec(from)![1]!,
      from,
      to: header(res, 'To')!,
      remoteTarget: uriOf(header(res, 'Contact') ?? ruri),
      routes: headers(res, 'Record-Route').reverse(),
      cseq: Number(/^CSeq:\s*(\d+)/im.exec(res)![1]),
    };
    attempt.dialog = dialog;
    this.inDialog(dialog, 'ACK', [], dialog.cseq);
    return attempt;
  }

  /** ACK for a non-2xx final: same branch as the INVITE, the response's To. */
  private ackFailure(invite: string, res: string, target: Target): void {
    const ruri = /^INVITE (\S+)/.exec(invite)![1]!;
    const seq = /^CSeq:\s*(\d+)/im.exec(invite)![1]!;
    this.send(
      [
        `ACK ${ruri} SIP/2.0`,
        `Via: ${header(invite, 'Via')}`,
        `From: ${header(invite, 'From')}`,
        `To: ${header(res, 'To')}`,
        `Call-ID: ${header(invite, 'Call-ID')}`,
        `CSeq: ${seq} ACK`,
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
      target,
    );
  }

  /** A request in the dialog (to the route set or the remote target); returns its final response. */
  inDialog(d: PhoneDialog, method: string, extra: string[] = [], seq?: number, body = ''): Promise<string> {
    const cseq = seq ?? ++d.cseq;
    const dest = hostPort(d.routes.length ? uriOf(d.routes[0]!) : d.remoteTarget);
    const at = this.received.length;
    this.send(
      [
        `${method} ${d.remoteTarget} SIP/2.0`,
        this.via(),
        ...d.routes.map((r) => `Route: ${r}`),
        `From: ${d.from}`,
        `To: ${d.to}`,
        `Call-ID: ${d.callId}`,
        `CSeq: ${cseq} ${method}`,
        `Contact: ${this.contact}`,
        'Max-Forwards: 70',
        ...extra,
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n'),
      dest,
    );
    return method === 'ACK' ? Promise.resolve('') : this.final(d.callId, method, at);
  }

  /** Answer a request we received (to where it came from). */
  respond(req: Received, status: number, reason: string, extra: string[] = [], body = ''): void {
    const to = header(req.text, 'To')!;
    this.send(
      [
        `SIP/2.0 ${status} ${reason}`,
        ...headers(req.text, 'Via').map((v) => `Via: ${v}`),
        `From: ${header(req.text, 'From')}`,
        `To: ${/;\s*tag=/.test(to) ? to : `${to};tag=${rand()}`}`,
        `Call-ID: ${header(req.text, 'Call-ID')}`,
        `CSeq: ${header(req.text, 'CSeq')}`,
        ...extra,
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n'),
      req.from,
    );
  }

  /** REGISTER user@target with this phone as Contact, answering one 401. */
  async register(
    target: Target,
    user: string,
    password: string,
    o: { expires?: number; callId?: string } = {},
  ): Promise<{ first: string; final: string }> {
    const callId = o.callId ?? `${rand()}@reg`;
    const ruri = `sip:${target.address}:${target.port}`;
    const build = (cseq: number, extra: string[]): string =>
      [
        `REGISTER ${ruri} SIP/2.0`,
        this.via(),
        `From: <sip:${user}@${target.address}>;tag=${rand()}`,
        `To: <sip:${user}@${target.address}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} REGISTER`,
        `Contact: ${this.contact}`,
        ...(o.expires !== undefined ? [`Expires: ${o.expires}`] : []),
        'Max-Forwards: 70',
        ...extra,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    let at = this.received.length;
    this.send(build(1, []), target);
    const first = await this.final(callId, 'REGISTER', at);
    if (statusOf(first) !== 401) return { first, final: first };
    const auth = digestHeader(first, { username: user, password, method: 'REGISTER', uri: ruri });
    at = this.received.length;
    this.send(build(2, [auth]), target);
    return { first, final: await this.final(callId, 'REGISTER', at) };
  }
}
