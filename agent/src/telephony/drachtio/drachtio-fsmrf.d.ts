/**
 * Declarations for the parts of drachtio-fsmrf 4.1.2 that Switchboard uses (the package ships no types).
 * Read from node_modules/drachtio-fsmrf/lib/{mrf,mediaserver,endpoint}.js; research §2.
 */
declare module 'drachtio-fsmrf' {
  import type { EventEmitter } from 'node:events';
  import type Srf from 'drachtio-srf';

  namespace Mrf {
    interface ConnectOptions {
      /** FreeSWITCH event socket host. */
      address: string;
      /** Event socket port (default 8021). */
      port?: number;
      /** Event socket password (default ClueCon — never rely on it). */
      secret?: string;
      /** Where FreeSWITCH's `socket` dialplan app connects back to (outbound ESL). 0 = any port. */
      listenAddress?: string;
      listenPort?: number;
      advertisedAddress?: string;
      advertisedPort?: number;
      /** SIP profile drachtio sends INVITEs to (default drachtio_mrf). */
      profile?: string;
    }

    interface ForkAudioStartOptions {
      wsUrl: string;
      mixType?: 'mono' | 'mixed' | 'stereo';
      sampling?: string;
      bugname?: string;
      metadata?: string | Record<string, unknown>;
      bidirectionalAudio?: { enabled?: boolean; streaming?: boolean; sampleRate?: number };
    }

    interface DtmfEvent {
      dtmf: string;
      /** FreeSWITCH DTMF-Duration header: RTP timestamp units (samples at 8 kHz). */
      duration?: string;
      source?: string;
    }

    /** Response of an api command: the modesl event; getBody() is the reply text (+OK / -ERR). */
    interface ApiResponse {
      getBody(): string;
    }

    interface Endpoint extends EventEmitter {
      readonly uuid: string;
      readonly local: { sdp?: string; mediaIp?: string; mediaPort?: string };
      readonly remote: { sdp?: string; mediaIp?: string; mediaPort?: string };
      readonly dtmfType?: string;
      readonly connected: boolean;
      api(command: string, args?: string | string[]): Promise<ApiResponse>;
      set(name: string, value: string): Promise<void>;
      execute(app: string, arg?: string): Promise<unknown>;
      play(file: string | string[]): Promise<unknown>;
      forkAudioStart(opts: ForkAudioStartOptions): Promise<void>;
      forkAudioSendText(bugname: string, metadata: string | Record<string, unknown>): Promise<void>;
      forkAudioStop(bugname: string): Promise<void>;
      addCustomEventListener(event: string, handler: (body: unknown) => void): void;
      removeCustomEventListener(event: string, handler?: (body: unknown) => void): void;
      destroy(): Promise<void>;
      on(event: 'dtmf', listener: (evt: DtmfEvent) => void): this;
      on(event: 'destroy', listener: (evt?: { reason?: string }) => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
    }

    interface MediaServer extends EventEmitter {
      readonly address: string;
      maxSessions: number;
      currentSessions: number;
      cps: number;
      connectCaller(
        req: Srf.SrfRequest,
        res: Srf.SrfResponse,
        opts?: { headers?: Record<string, string>; codecs?: string | string[] },
      ): Promise<{ endpoint: Endpoint; dialog: Srf.Dialog }>;
      api(command: string): Promise<string>;
      disconnect(): void;
      on(event: 'end' | 'ready' | 'connect', listener: () => void): this;
      on(event: 'error', listener: (err: Error) => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
    }
  }

  class Mrf extends EventEmitter {
    constructor(srf: Srf, opts?: { customEvents?: string[] });
    connect(opts: Mrf.ConnectOptions): Promise<Mrf.MediaServer>;
  }

  export = Mrf;
}

/** The Endpoint class itself, used only by tests that drive it with a recording ESL connection. */
declare module 'drachtio-fsmrf/lib/endpoint.js' {
  import type Mrf from 'drachtio-fsmrf';
  interface EslConnectionLike {
    getInfo(): { getHeader(name: string): string | undefined };
    subscribe(events: string | string[]): void;
    filter(header: string, value: string, cb?: () => void): void;
    on(event: string, listener: (...args: unknown[]) => void): unknown;
    api(command: string, args: string | string[], cb: (evt: Mrf.ApiResponse) => void): void;
    execute(app: string, arg: string, cb?: (evt: unknown) => void): void;
  }
  const Endpoint: new (conn: EslConnectionLike, dialog: unknown, ms: unknown, opts?: unknown) => Mrf.Endpoint;
  export = Endpoint;
}
