/**
 * Thin interfaces over drachtio-srf and drachtio-fsmrf: the subset the call flow uses, with exactly the
 * properties the real objects have. They are read from the libraries' lib/*.js, not from their typings:
 * drachtio-srf 5.0.29's index.d.ts declares a `callId` on Request that lib/request.js never sets (it
 * delegates only get/has/method/uri/body/headers… to the parsed message), and reading it hung up every
 * real call. Tests run the real libraries against wire-faithful fakes of drachtio-server and FreeSWITCH
 * (testing/fake-drachtio, testing/fake-freeswitch), so nothing here can claim more than they provide.
 */

export type Headers = Record<string, string>;

/**
 * An incoming SIP request (drachtio-srf Request: the parsed message's accessors plus drachtio's meta).
 * It has no Call-ID property: use callIdOf(req).
 */
export interface SipRequestLike {
  readonly method: string;
  readonly uri: string;
  readonly body: string;
  /** Address the request came from (drachtio meta). */
  readonly source_address: string;
  /** parseInt of drachtio's meta port (5060 when absent). */
  readonly source_port: number;
  /** udp, tcp or tls as drachtio reports the transport (ws/wss arrive as tcp). */
  readonly protocol: string;
  get(name: string): string | undefined;
  has(name: string): boolean;
  on(event: 'cancel', listener: () => void): unknown;
}

/** The Call-ID of a request drachtio-srf handed us (drachtio always delivers one). */
export function callIdOf(req: Pick<SipRequestLike, 'get'>): string {
  return req.get('Call-ID') ?? '';
}

/** The response handle of an incoming request. */
export interface SipResponseLike {
  send(status: number, opts?: { headers?: Headers }): void;
  send(status: number, reason: string, opts?: { headers?: Headers }): void;
}

/** A response received to a request we sent. */
export interface SipResponseMessage {
  readonly status: number;
  readonly reason?: string;
  get(name: string): string | undefined;
}

/** An established SIP dialog (drachtio-srf Dialog). */
export interface DialogLike {
  readonly sip: { callId: string };
  request(opts: { method: string; headers?: Headers; body?: string }): Promise<SipResponseMessage>;
  /** The callback runs inside srf's response handler, before srf handles the next message it read. */
  request(
    opts: { method: string; headers?: Headers; body?: string },
    callback: (err: Error | null | undefined, res?: SipResponseMessage) => void,
  ): unknown;
  destroy(opts?: { headers?: Headers }): Promise<unknown> | void;
  on(event: 'destroy', listener: () => void): unknown;
  on(event: 'notify', listener: (req: SipRequestLike, res: SipResponseLike) => void): unknown;
  on(event: 'refer' | 'info', listener: (req: SipRequestLike, res: SipResponseLike) => void): unknown;
  removeListener(event: 'notify', listener: (req: SipRequestLike, res: SipResponseLike) => void): unknown;
}

/** A request we sent outside a dialog (REGISTER); responses arrive as events. */
export interface SentRequestLike {
  on(event: 'response', listener: (res: SipResponseMessage) => void): unknown;
}

export interface SrfConnectOptions {
  host: string;
  port: number;
  secret: string;
}

export type SrfEvent = 'connect' | 'close' | 'error' | 'reconnecting';

export type RequestHandler = (req: SipRequestLike, res: SipResponseLike) => void;

/** drachtio-srf: the connection to drachtio-server and the SIP operations we use. */
export interface SrfLike {
  connect(opts: SrfConnectOptions): void;
  disconnect(): void;
  on(event: 'connect', listener: (err: Error | null | undefined, hostport?: string) => void): unknown;
  on(event: 'close' | 'reconnecting', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  invite(handler: RequestHandler): void;
  register(handler: RequestHandler): void;
  request(
    uri: string,
    opts: {
      method: string;
      headers?: Headers;
      proxy?: string;
      auth?: { username: string; password: string };
    },
  ): Promise<SentRequestLike>;
  createB2BUA(
    req: SipRequestLike,
    res: SipResponseLike,
    uri: string,
    opts: { proxy?: string; localSdpB?: string; headers?: Headers; passFailure?: boolean },
  ): Promise<{ uas: DialogLike; uac: DialogLike }>;
}

/** A drachtio-fsmrf Endpoint on FreeSWITCH. */
export interface EndpointLike {
  readonly uuid: string;
  readonly local: { sdp?: string };
  readonly remote: { sdp?: string };
  /** `api <command> <args>` over the endpoint's ESL connection; resolves with the reply body. */
  api(command: string, args: string): Promise<string>;
  forkAudioStart(opts: ForkStartOptions): Promise<void>;
  forkAudioSendText(bugname: string, data: Record<string, unknown>): Promise<void>;
  forkAudioStop(bugname: string): Promise<void>;
  play(file: string): Promise<unknown>;
  addCustomEventListener(event: string, handler: (body: unknown) => void): void;
  removeCustomEventListener(event: string): void;
  on(event: 'dtmf', listener: (evt: { dtmf: string; duration?: string }) => void): unknown;
  on(event: 'destroy', listener: () => void): unknown;
  destroy(): Promise<void>;
}

export interface ForkStartOptions {
  wsUrl: string;
  mixType: 'mono';
  sampling: '8000' | '16000';
  bugname: string;
  metadata: string;
  bidirectionalAudio: { enabled: true; streaming: true; sampleRate: number };
}

/** A FreeSWITCH reached through drachtio-fsmrf. */
export interface MediaServerLike {
  readonly address: string;
  /** From FreeSWITCH HEARTBEAT events; 0 until the first heartbeat. */
  readonly maxSessions: number;
  readonly currentSessions: number;
  connectCaller(
    req: SipRequestLike,
    res: SipResponseLike,
  ): Promise<{ endpoint: EndpointLike; dialog: DialogLike }>;
  disconnect(): void;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface MediaServerSpec {
  host: string;
  port: number;
  secret: string;
}

/** drachtio-fsmrf's Mrf. */
export interface MrfLike {
  connect(spec: MediaServerSpec): Promise<MediaServerLike>;
}
