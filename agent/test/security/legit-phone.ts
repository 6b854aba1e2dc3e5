/**
 * TEST-ONLY: the honest side of the security suite. A SIP phone on loopback (raw SIP over UDP, so the
 * test sees every status) with an RTP peer that streams like a real phone, and the SIP texts an
 * attacker sends too. The gateway must keep this phone's calls going whatever else arrives.
 */
import dgram from 'node:dgram';
import { RtpPeer } from '../e2e/rtp-peer.js';

export { digestHeader } from '../../src/telephony/embedded/testing/raw-sip-client.js';

export const statusOf = (text: string | undefined): number =>
  Number(/^SIP\/2\.0 (\d{3})/.exec(text ?? '')?.[1] ?? 0);

const rand = () => Math.random().toString(36).slice(2, 10);

export interface RequestParts {
  method: string;
  uri: string;
  /** Address:port in Via and Contact (where replies should go). */
  from: { address: string; port: number };
  transport?: 'UDP' | 'TCP' | 'WS';
  callId?: string;
  fromUser?: string;
  toUser?: string;
  toTag?: string;
  cseq?: number;
  headers?: string[];
  /** SDP audio port (INVITE); the SDP's address is from.address. */
  rtpPort?: number;
}

/** One SIP request as text. */
export function sipRequest(p: RequestParts): string {
  const sdp =
    p.rtpPort !== undefined
      ? `v=0\r\no=- 1 1 IN IP4 ${p.from.address}\r\ns=-\r\nc=IN IP4 ${p.from.address}\r\nt=0 0\r\n` +
        `m=audio ${p.rtpPort} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`
      : '';
  const via = `${p.from.address}:${p.from.port}`;
  const user = p.fromUser ?? 'phone';
  return [
    `${p.method} ${p.uri} SIP/2.0`,
    `Via: SIP/2.0/${p.transport ?? 'UDP'} ${via};branch=z9hG4bK${rand()};rport`,
    `From: <sip:${user}@${p.from.address}>;tag=t${rand()}`,
    `To: <sip:${p.toUser ?? '7000'}@${p.from.address}>${p.toTag ? `;tag=${p.toTag}` : ''}`,
    `Call-ID: ${p.callId ?? rand()}@security`,
    `CSeq: ${p.cseq ?? 1} ${p.method}`,
    `Contact: <sip:${user}@${via}>`,
    'Max-Forwards: 70',
    ...(p.headers ?? []),
    ...(sdp ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n');
}

/** A UDP SIP socket that keeps every message it receives. */
export class SipSocket {
  readonly received: string[] = [];

  private constructor(
    private readonly sock: dgram.Socket,
    readonly address: string,
    readonly port: number,
  ) {
    sock.on('message', (m) => this.received.push(m.toString('latin1')));
  }

  static async open(address = '127.0.0.1'): Promise<SipSocket> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, address, () => r()));
    return new SipSocket(sock, address, sock.address().port);
  }

  send(text: string, to: { address: string; port: number }): void {
    this.sock.send(Buffer.from(text, 'latin1'), to.port, to.address);
  }

  /** The next received message (from index `from`) matching `test`, within timeoutMs. */
  async next(test: (m: string) => boolean, from = 0, timeoutMs = 5000): Promise<string | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.slice(from).find(test);
      if (hit !== undefined || Date.now() > end) return hit;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Send a request and wait for its final response (the status text), or undefined. */
  async request(
    text: string,
    to: { address: string; port: number },
    timeoutMs = 5000,
  ): Promise<string | undefined> {
    const from = this.received.length;
    const callId = /^Call-ID: (.*)$/m.exec(text)?.[1];
    const method = /^(\w+) /.exec(text)?.[1];
    this.send(text, to);
    return this.next(
      (m) =>
        statusOf(m) >= 200 &&
        m.includes(`Call-ID: ${callId}`) &&
        new RegExp(`^CSeq: \\d+ ${method}`, 'm').test(m),
      from,
      timeoutMs,
    );
  }

  close(): void {
    this.sock.close();
  }
}

/** A call from the honest phone to the agent: INVITE, 200, ACK; RTP both ways; BYE at the end. */
export class LegitCall {
  private streaming = false;
  private streamer: Promise<void> | undefined;

  private constructor(
    readonly sip: SipSocket,
    readonly rtp: RtpPeer,
    private readonly gateway: { address: string; port: number },
    readonly callId: string,
    private readonly ok: string,
  ) {}

  /** Place a call to `user`; resolves with the call once answered (throws with the status otherwise). */
  static async place(gateway: { address: string; port: number }, user = '7000'): Promise<LegitCall> {
    const sip = await SipSocket.open();
    const rtp = await RtpPeer.open();
    const callId = `legit-${rand()}`;
    const invite = sipRequest({
      method: 'INVITE',
      uri: `sip:${user}@${gateway.address}:${gateway.port}`,
      from: { address: '127.0.0.1', port: sip.port },
      callId,
      toUser: user,
      rtpPort: rtp.port,
    });
    const res = await sip.request(invite, gateway);
    if (statusOf(res) !== 200) {
      sip.close();
      rtp.close();
      throw new Error(`legit call not answered: ${statusOf(res)}`);
    }
    const call = new LegitCall(sip, rtp, gateway, `${callId}@security`, res!);
    call.sendInDialog('ACK', 1);
    return call;
  }

  /** Stream caller audio (a quiet tone, like room noise) in 20 ms packets until hangup(). */
  startStreaming(): void {
    if (this.streaming) return;
    this.streaming = true;
    const second = Int16Array.from({ length: 8000 }, (_, i) => Math.round(300 * Math.sin(i / 3)));
    this.streamer = (async () => {
      const end = Date.now() + 10_000;
      while (!this.rtp.remote && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      while (this.streaming) await this.rtp.play(second);
    })();
  }

  /** RTP packets received from the agent so far. */
  get packetsFromAgent(): number {
    return this.rtp.received.length;
  }

  /** Did the gateway end this call (a BYE arrived)? */
  get byeReceived(): boolean {
    return this.sip.received.some((m) => m.startsWith('BYE ') && m.includes(this.callId));
  }

  async hangup(): Promise<void> {
    this.streaming = false;
    await this.streamer;
    if (!this.byeReceived) {
      const res = this.sendInDialog('BYE', 2);
      await this.sip.next((m) => statusOf(m) >= 200 && m.includes('CSeq: 2 BYE'), res, 3000);
    }
    this.sip.close();
    this.rtp.close();
  }

  private sendInDialog(method: 'ACK' | 'BYE', cseq: number): number {
    const toTag = /^To: .*;tag=([^;\s]+)/m.exec(this.ok)?.[1] ?? '';
    const text = sipRequest({
      method,
      uri: `sip:switchboard@${this.gateway.address}:${this.gateway.port}`,
      from: { address: '127.0.0.1', port: this.sip.port },
      callId: this.callId.replace(/@security$/, ''),
      toTag,
      cseq,
    });
    // Same dialog: our From tag must be the INVITE's.
    const fromTag = /^From: .*;tag=([^;\s]+)/m.exec(this.ok)?.[1] ?? '';
    const fixed = text.replace(/^From: (.*);tag=\S+$/m, `From: $1;tag=${fromTag}`);
    const mark = this.sip.received.length;
    this.sip.send(fixed, this.gateway);
    return mark;
  }
}
