/**
 * Fakes of the sip.js slice in sip-port.ts, behaving like sip.js 0.21: state emitters with the same
 * string values, request delegates called on responses the test chooses to send.
 */
import type {
  EmitterLike,
  InvitationLike,
  InviterLike,
  PeerConnectionLike,
  RegistererLike,
  RequestDelegateLike,
  ResponseLike,
  SdhLike,
  SipFactory,
  UserAgentDelegateLike,
  UserAgentLike,
  UserAgentSettings,
} from '../sip-port.js';

export class FakeEmitter<T> implements EmitterLike<T> {
  private readonly ls = new Set<(d: T) => void>();
  addListener(l: (d: T) => void): void {
    this.ls.add(l);
  }
  removeListener(l: (d: T) => void): void {
    this.ls.delete(l);
  }
  emit(d: T): void {
    for (const l of [...this.ls]) l(d);
  }
}

export function response(statusCode: number, headers: Record<string, string> = {}): ResponseLike {
  return { message: { statusCode, reasonPhrase: '', getHeader: (n) => headers[n.toLowerCase()] } };
}

export class FakeUserAgent implements UserAgentLike {
  connected = false;
  starts = 0;
  reconnects = 0;
  /** What the next start()/reconnect() does. */
  nextConnect: 'ok' | 'fail' = 'ok';

  constructor(
    readonly settings: UserAgentSettings,
    readonly delegate: UserAgentDelegateLike,
  ) {}

  private async connect(): Promise<void> {
    if (this.nextConnect === 'fail') throw new Error('WebSocket connection failed');
    this.connected = true;
    this.delegate.onConnect?.();
  }
  start(): Promise<void> {
    this.starts++;
    return this.connect();
  }
  reconnect(): Promise<void> {
    this.reconnects++;
    return this.connect();
  }
  async stop(): Promise<void> {
    this.connected = false;
  }
  isConnected(): boolean {
    return this.connected;
  }
  /** The network dropped the WebSocket. */
  dropTransport(): void {
    this.connected = false;
    this.delegate.onDisconnect?.(new Error('WebSocket closed abnormally'));
  }
}

export class FakeRegisterer implements RegistererLike {
  state = 'Initial';
  readonly stateChange = new FakeEmitter<string>();
  readonly registers: (RequestDelegateLike | undefined)[] = [];
  disposed = false;
  unregistered = false;

  constructor(readonly options: { expires: number; refreshFrequency: number }) {}

  async register(o?: { requestDelegate?: RequestDelegateLike }): Promise<unknown> {
    this.registers.push(o?.requestDelegate);
    return {};
  }
  async unregister(): Promise<unknown> {
    this.unregistered = true;
    this.setState('Unregistered');
    return {};
  }
  async dispose(): Promise<void> {
    this.disposed = true;
  }
  /** The registrar answered the last REGISTER with 200 (initial or a refresh). */
  accept(): void {
    this.registers.at(-1)?.onAccept?.(response(200));
    this.setState('Registered');
  }
  reject(code: number): void {
    this.registers.at(-1)?.onReject?.(response(code));
    this.setState('Unregistered');
  }
  setState(s: string): void {
    this.state = s;
    this.stateChange.emit(s);
  }
}

export class FakeSdh implements SdhLike {
  dtmf: string[] = [];
  senderEnabled = true;
  supportsDtmf = true;
  peerConnection: PeerConnectionLike | undefined;
  sendDtmf(tones: string): boolean {
    if (!this.supportsDtmf) return false;
    this.dtmf.push(tones);
    return true;
  }
  enableSenderTracks(enable: boolean): void {
    this.senderEnabled = enable;
  }
}

let callSeq = 0;

class FakeSessionBase {
  state = 'Initial';
  readonly stateChange = new FakeEmitter<string>();
  delegate = undefined;
  sessionDescriptionHandler: FakeSdh | undefined;
  sessionDescriptionHandlerOptionsReInvite: object = {};
  readonly reinvites: { hold: boolean | undefined; delegate: RequestDelegateLike | undefined }[] = [];
  readonly infos: string[] = [];
  readonly refers: { target: unknown; delegate?: RequestDelegateLike; onNotify?: (n: unknown) => void }[] =
    [];
  byes = 0;
  readonly remoteIdentity: { displayName: string; uri: { toString(): string } };

  constructor(remote: string, name = '') {
    this.remoteIdentity = { displayName: name, uri: { toString: () => remote } };
  }

  setState(s: string): void {
    this.state = s;
    if (s === 'Established') this.sessionDescriptionHandler ??= new FakeSdh();
    this.stateChange.emit(s);
  }
  async invite(o?: { requestDelegate?: RequestDelegateLike }): Promise<unknown> {
    const opts = this.sessionDescriptionHandlerOptionsReInvite as { hold?: boolean };
    this.reinvites.push({ hold: opts.hold, delegate: o?.requestDelegate });
    return {};
  }
  async bye(): Promise<unknown> {
    this.byes++;
    this.setState('Terminated');
    return {};
  }
  async info(o?: { requestOptions?: { body?: { content: string } } }): Promise<unknown> {
    this.infos.push(o?.requestOptions?.body?.content ?? '');
    return {};
  }
  async refer(
    target: never,
    o?: { requestDelegate?: RequestDelegateLike; onNotify?(n: unknown): void },
  ): Promise<unknown> {
    this.refers.push({
      target,
      ...(o?.requestDelegate ? { delegate: o.requestDelegate } : {}),
      ...(o?.onNotify ? { onNotify: (n: unknown) => o.onNotify?.(n) } : {}),
    });
    return {};
  }
  /** Answer the last re-INVITE. */
  answerReinvite(code: number): void {
    const d = this.reinvites.at(-1)?.delegate;
    if (code < 300) d?.onAccept?.(response(code));
    else d?.onReject?.(response(code));
  }
  /** Deliver a REFER progress NOTIFY with a sipfrag body. */
  notifyRefer(sipfrag: string): void {
    this.refers.at(-1)?.onNotify?.({ request: { body: sipfrag }, accept: () => undefined });
  }
}

export class FakeInviter extends FakeSessionBase implements InviterLike {
  readonly request = { callId: `out-${++callSeq}@fake` };
  inviteDelegate: RequestDelegateLike | undefined;
  cancelled = false;
  constructor(readonly target: string) {
    super(target);
  }
  override async invite(o?: { requestDelegate?: RequestDelegateLike }): Promise<unknown> {
    if (this.state === 'Initial') {
      this.inviteDelegate = o?.requestDelegate;
      this.setState('Establishing');
      return {};
    }
    return super.invite(o);
  }
  async cancel(): Promise<void> {
    this.cancelled = true;
    this.setState('Terminated');
  }
  /** The far end answered 200 OK. */
  answered(): void {
    this.inviteDelegate?.onAccept?.(response(200));
    this.setState('Established');
  }
  rejected(code: number): void {
    this.inviteDelegate?.onReject?.(response(code));
    this.setState('Terminated');
  }
}

export class FakeInvitation extends FakeSessionBase implements InvitationLike {
  readonly request: { callId: string; getHeader(n: string): string | undefined };
  progressed = false;
  rejectedWith: number | undefined;
  constructor(remote: string, name = '') {
    super(remote, name);
    this.request = { callId: `in-${++callSeq}@fake`, getHeader: () => undefined };
    this.state = 'Initial';
  }
  async accept(): Promise<void> {
    this.setState('Established');
  }
  async reject(o?: { statusCode?: number }): Promise<void> {
    this.rejectedWith = o?.statusCode ?? 480;
    this.setState('Terminated');
  }
  async progress(): Promise<void> {
    this.progressed = true;
  }
  /** The caller gave up (CANCEL). */
  callerCancelled(): void {
    this.setState('Terminated');
  }
}

export class FakeSipFactory implements SipFactory {
  readonly uas: FakeUserAgent[] = [];
  readonly registerers: FakeRegisterer[] = [];
  readonly inviters: FakeInviter[] = [];
  createUserAgent(s: UserAgentSettings, d: UserAgentDelegateLike): FakeUserAgent {
    const ua = new FakeUserAgent(s, d);
    this.uas.push(ua);
    return ua;
  }
  createRegisterer(_ua: UserAgentLike, o: { expires: number; refreshFrequency: number }): FakeRegisterer {
    const r = new FakeRegisterer(o);
    this.registerers.push(r);
    return r;
  }
  createInviter(_ua: UserAgentLike, target: string): FakeInviter {
    const i = new FakeInviter(target);
    this.inviters.push(i);
    return i;
  }
  makeUri(uri: string): unknown {
    return { uri };
  }
  lastRegisterer(): FakeRegisterer {
    const r = this.registerers.at(-1);
    if (!r) throw new Error('no registerer yet');
    return r;
  }
}
