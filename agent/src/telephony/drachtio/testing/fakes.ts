/**
 * Recording fakes of drachtio-srf and FreeSWITCH for in-process tests. The endpoint is the REAL
 * drachtio-fsmrf Endpoint class driven by a fake ESL connection, so the command strings recorded are
 * exactly what fsmrf would write to FreeSWITCH's event socket.
 */
import { EventEmitter } from 'node:events';
import Endpoint from 'drachtio-fsmrf/lib/endpoint.js';
import { adaptEndpoint } from '../real-adapters.js';
import type {
  DialogLike,
  EndpointLike,
  Headers,
  MediaServerLike,
  MediaServerSpec,
  MrfLike,
  RequestHandler,
  SentRequestLike,
  SipRequestLike,
  SipResponseLike,
  SipResponseMessage,
  SrfConnectOptions,
  SrfLike,
} from '../types.js';

export const PCMU_ANSWER =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n';
export const G722_ANSWER = PCMU_ANSWER.replace('RTP/AVP 0 101', 'RTP/AVP 9 101').replace('0 PCMU', '9 G722');

export class FakeRequest extends EventEmitter implements SipRequestLike {
  constructor(
    readonly method: string,
    readonly uri: string,
    private readonly headers: Headers,
    readonly source_address = '127.0.0.1',
    readonly body = '',
    readonly callId = `call-${Math.random().toString(36).slice(2)}`,
    readonly protocol = 'udp',
    readonly source_port = 5062,
  ) {
    super();
  }
  get(name: string): string | undefined {
    const k = Object.keys(this.headers).find((h) => h.toLowerCase() === name.toLowerCase());
    return k === undefined ? undefined : this.headers[k];
  }
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

export class FakeResponse implements SipResponseLike {
  readonly sent: Array<{ status: number; reason?: string; headers: Headers }> = [];
  send(status: number, a?: string | { headers?: Headers }, b?: { headers?: Headers }): void {
    const reason = typeof a === 'string' ? a : undefined;
    const opts = typeof a === 'object' ? a : b;
    this.sent.push({ status, ...(reason ? { reason } : {}), headers: opts?.headers ?? {} });
  }
  get last(): { status: number; reason?: string; headers: Headers } | undefined {
    return this.sent[this.sent.length - 1];
  }
}

/** A dialog that records in-dialog requests and answers them with scripted statuses. */
export class FakeDialog extends EventEmitter implements DialogLike {
  readonly requests: Array<{ method: string; headers: Headers }> = [];
  destroyed = 0;
  nextStatus = 202;
  constructor(readonly sip = { callId: 'dialog' }) {
    super();
  }
  async request(opts: { method: string; headers?: Headers }): Promise<SipResponseMessage> {
    this.requests.push({ method: opts.method, headers: opts.headers ?? {} });
    return { status: this.nextStatus, reason: 'Accepted', get: () => undefined };
  }
  destroy(): Promise<void> {
    this.destroyed++;
    return Promise.resolve();
  }
  /** The far end sends a NOTIFY with a sipfrag body; returns the status we answered. */
  notify(sipfrag: string): number {
    const res = new FakeResponse();
    this.emit(
      'notify',
      new FakeRequest(
        'NOTIFY',
        'sip:x',
        { Event: 'refer', 'Content-Type': 'message/sipfrag' },
        '1.2.3.4',
        sipfrag,
      ),
      res,
    );
    return res.last?.status ?? 0;
  }
}

/** The event socket connection fsmrf's Endpoint uses; records every api/execute line. */
export class FakeEslConnection extends EventEmitter {
  readonly lines: string[] = [];
  reply = '+OK Success\n';
  constructor(
    private readonly headers: Record<string, string>,
    private readonly onHangup: () => void,
  ) {
    super();
  }
  getInfo(): { getHeader(name: string): string | undefined } {
    return { getHeader: (n) => this.headers[n] };
  }
  subscribe(): void {}
  filter(): void {}
  api(command: string, args: string | string[], cb: (evt: { getBody(): string }) => void): void {
    const a = Array.isArray(args) ? args.join(' ') : args;
    this.lines.push(`api ${command}${a ? ` ${a}` : ''}`);
    const body = this.reply;
    setImmediate(() => cb({ getBody: () => body }));
  }
  execute(app: string, arg: string, cb?: (evt: unknown) => void): void {
    this.lines.push(`execute ${app} ${arg}`);
    setImmediate(() => {
      cb?.({ getHeader: () => undefined, getBody: () => '' });
      if (app === 'hangup') this.onHangup();
    });
  }
  /** FreeSWITCH raises a CUSTOM event for this channel. */
  custom(uuid: string, subclass: string, body: unknown): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    this.emit(`esl::event::CUSTOM::${uuid}`, {
      getHeader: (n: string) => (n === 'Event-Subclass' ? subclass : undefined),
      getBody: () => text,
    });
  }
  dtmf(uuid: string, digit: string, duration: string): void {
    const h: Record<string, string> = {
      'Event-Name': 'DTMF',
      'DTMF-Digit': digit,
      'DTMF-Duration': duration,
      'DTMF-Source': 'RTP',
    };
    this.emit(`esl::event::DTMF::${uuid}`, { getHeader: (n: string) => h[n] });
  }
}

export interface FakeChannel {
  uuid: string;
  conn: FakeEslConnection;
  endpoint: EndpointLike;
  /** drachtio's dialog with the caller. */
  callerDialog: FakeDialog;
  /** drachtio's dialog with FreeSWITCH (what Endpoint.destroy waits on). */
  fsDialog: FakeDialog;
}

let uuidSeq = 0;

export class FakeMediaServer extends EventEmitter implements MediaServerLike {
  maxSessions = 0;
  currentSessions = 0;
  readonly channels: FakeChannel[] = [];
  disconnected = 0;
  answerSdp = PCMU_ANSWER;
  failConnect: Error | undefined;
  constructor(readonly address: string) {
    super();
  }
  async connectCaller(
    _req: SipRequestLike,
    res: SipResponseLike,
  ): Promise<{ endpoint: EndpointLike; dialog: DialogLike }> {
    if (this.failConnect) throw this.failConnect;
    const uuid = `uuid-${++uuidSeq}`;
    const fsDialog = new FakeDialog({ callId: `fs-${uuid}` });
    const conn = new FakeEslConnection(
      { 'Channel-Unique-ID': uuid, variable_rtp_local_sdp_str: this.answerSdp, variable_switch_r_sdp: '' },
      () => fsDialog.emit('destroy'),
    );
    const ep = new Endpoint(conn, fsDialog, this);
    const callerDialog = new FakeDialog({ callId: `caller-${uuid}` });
    res.send(200, { headers: { 'Content-Type': 'application/sdp' } });
    const ch: FakeChannel = { uuid, conn, endpoint: adaptEndpoint(ep), callerDialog, fsDialog };
    this.channels.push(ch);
    return { endpoint: ch.endpoint, dialog: callerDialog };
  }
  disconnect(): void {
    this.disconnected++;
  }
}

export class FakeMrf implements MrfLike {
  readonly servers = new Map<string, FakeMediaServer[]>();
  readonly attempts: string[] = [];
  down = new Set<string>();
  async connect(spec: MediaServerSpec): Promise<MediaServerLike> {
    const key = `${spec.host}:${spec.port}`;
    this.attempts.push(key);
    if (this.down.has(key)) throw new Error('ECONNREFUSED');
    const ms = new FakeMediaServer(spec.host);
    this.servers.set(key, [...(this.servers.get(key) ?? []), ms]);
    return ms;
  }
  latest(key: string): FakeMediaServer {
    const list = this.servers.get(key);
    if (!list?.length) throw new Error(`no server ${key}`);
    return list[list.length - 1]!;
  }
}

export class FakeSentRequest extends EventEmitter implements SentRequestLike {}

export class FakeSrf extends EventEmitter implements SrfLike {
  inviteHandler: RequestHandler | undefined;
  registerHandler: RequestHandler | undefined;
  readonly connects: SrfConnectOptions[] = [];
  readonly requests: Array<{ uri: string; opts: Parameters<SrfLike['request']>[1]; sent: FakeSentRequest }> =
    [];
  readonly b2bua: Array<{ uri: string; opts: unknown; uas: FakeDialog; uac: FakeDialog }> = [];
  disconnected = 0;
  connect(opts: SrfConnectOptions): void {
    this.connects.push(opts);
  }
  disconnect(): void {
    this.disconnected++;
  }
  invite(h: RequestHandler): void {
    this.inviteHandler = h;
  }
  register(h: RequestHandler): void {
    this.registerHandler = h;
  }
  async request(uri: string, opts: Parameters<SrfLike['request']>[1]): Promise<SentRequestLike> {
    const sent = new FakeSentRequest();
    this.requests.push({ uri, opts, sent });
    return sent;
  }
  async createB2BUA(
    _req: SipRequestLike,
    res: SipResponseLike,
    uri: string,
    opts: unknown,
  ): Promise<{ uas: DialogLike; uac: DialogLike }> {
    const uas = new FakeDialog();
    const uac = new FakeDialog();
    this.b2bua.push({ uri, opts, uas, uac });
    res.send(200);
    return { uas, uac };
  }
}

export function response(status: number, headers: Headers = {}): SipResponseMessage {
  return { status, reason: '', get: (n) => headers[n] };
}

/** Let queued promise callbacks and setImmediate work run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
