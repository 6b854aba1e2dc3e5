/**
 * The narrow slice of sip.js 0.21 the phone core uses, as structural types. The real classes satisfy
 * them (sipjs-factory.ts returns them without casts, so the compiler checks it); unit tests hand in fakes with the same
 * behaviour. State values are sip.js's own string enums ('Registered', 'Established', …).
 */

export interface EmitterLike<T> {
  addListener(listener: (data: T) => void): void;
  removeListener(listener: (data: T) => void): void;
}

export type RegistererStateName = 'Initial' | 'Registered' | 'Unregistered' | 'Terminated';
export type SessionStateName = 'Initial' | 'Establishing' | 'Established' | 'Terminating' | 'Terminated';

export interface ResponseLike {
  message: { statusCode?: number; reasonPhrase?: string; getHeader(name: string): string | undefined };
}

export interface RequestDelegateLike {
  onAccept?(response: ResponseLike): void;
  onReject?(response: ResponseLike): void;
  onProgress?(response: ResponseLike): void;
}

export interface UserAgentDelegateLike {
  onConnect?(): void;
  onDisconnect?(error?: Error): void;
  onInvite?(invitation: InvitationLike): void;
}

export interface UserAgentLike {
  start(): Promise<void>;
  stop(): Promise<void>;
  reconnect(): Promise<void>;
  isConnected(): boolean;
}

export interface RegistererLike {
  readonly state: RegistererStateName | string;
  readonly stateChange: EmitterLike<RegistererStateName | string>;
  register(options?: { requestDelegate?: RequestDelegateLike }): Promise<unknown>;
  unregister(): Promise<unknown>;
  dispose(): Promise<void>;
}

/** What the web SessionDescriptionHandler gives us. */
export interface SdhLike {
  readonly peerConnection?: PeerConnectionLike | undefined;
  readonly remoteMediaStream?: unknown;
  sendDtmf(tones: string, options?: { duration: number; interToneGap: number }): boolean;
  enableSenderTracks(enable: boolean): void;
}

export interface PeerConnectionLike {
  getStats(): Promise<{ forEach(cb: (report: Record<string, unknown>) => void): void }>;
  getSenders(): {
    track: { kind: string; stop(): void } | null;
    replaceTrack(track: unknown): Promise<void>;
    /** RTCDTMFSender: tones queued but not yet started. */
    readonly dtmf?: { readonly toneBuffer: string } | null;
  }[];
}

export interface SessionDelegateLike {
  onBye?(bye: unknown): void;
  onInfo?(info: unknown): void;
  onSessionDescriptionHandler?(sdh: unknown, provisional: boolean): void;
}

export interface SessionLike {
  readonly state: SessionStateName | string;
  readonly stateChange: EmitterLike<SessionStateName | string>;
  delegate: SessionDelegateLike | undefined;
  readonly sessionDescriptionHandler: unknown;
  sessionDescriptionHandlerOptionsReInvite: object;
  readonly remoteIdentity: { displayName: string; uri: { toString(): string } };
  invite(options?: { requestDelegate?: RequestDelegateLike }): Promise<unknown>;
  bye(): Promise<unknown>;
  info(options?: {
    requestOptions?: { body?: { contentDisposition: string; contentType: string; content: string } };
  }): Promise<unknown>;
  refer(
    target: never,
    options?: { requestDelegate?: RequestDelegateLike; onNotify?(n: unknown): void },
  ): Promise<unknown>;
}

export interface InviterLike extends SessionLike {
  readonly request: { callId: string };
  invite(options?: {
    requestDelegate?: RequestDelegateLike;
    sessionDescriptionHandlerOptions?: Record<string, unknown>;
  }): Promise<unknown>;
  cancel(): Promise<void>;
}

export interface InvitationLike extends SessionLike {
  readonly request: { callId: string; getHeader(name: string): string | undefined };
  accept(options?: { sessionDescriptionHandlerOptions?: Record<string, unknown> }): Promise<void>;
  reject(options?: { statusCode?: number }): Promise<void>;
  progress(): Promise<void>;
}

/** getUserMedia audio constraints (e.g. { deviceId: { exact: id } }); kept DOM-free for Node tests. */
export type MediaTrackConstraintsLike = Record<string, unknown>;

export interface UserAgentSettings {
  uri: string;
  wsUrl: string;
  authUser: string;
  password: string;
  displayName?: string;
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  iceGatheringTimeoutMs: number;
}

/** Everything the core constructs from sip.js, injected so tests can substitute fakes. */
export interface SipFactory {
  createUserAgent(settings: UserAgentSettings, delegate: UserAgentDelegateLike): UserAgentLike;
  createRegisterer(ua: UserAgentLike, options: { expires: number; refreshFrequency: number }): RegistererLike;
  createInviter(
    ua: UserAgentLike,
    targetUri: string,
    options: { extraHeaders?: string[]; audio?: boolean | MediaTrackConstraintsLike },
  ): InviterLike;
  /** A URI object for REFER (blind transfer). */
  makeUri(uri: string): unknown;
}
