/** Declarations for the parts of drachtio-modesl 1.3.1 (fsmrf's ESL client) the fake's tests drive directly. */
declare module 'drachtio-modesl' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer } from 'node:net';

  namespace esl {
    class Event {
      getHeader(name: string): string | null;
      getBody(): string;
      getType(): string;
      headers: Array<{ name: string; value: string }>;
    }
    class Connection extends EventEmitter {
      constructor(host: string, port: number, password: string, ready?: () => void);
      api(command: string, args: string | string[], cb: (evt: Event) => void): void;
      api(command: string, cb: (evt: Event) => void): void;
      bgapi(command: string, args: string, cb: (evt: Event) => void): void;
      events(format: 'plain' | 'json' | 'xml', events: string, cb?: (evt: Event) => void): void;
      subscribe(events: string | string[], cb?: (evt: Event) => void): void;
      filter(header: string, value: string, cb?: (evt: Event) => void): void;
      sendRecv(command: string, cb: (evt: Event) => void): void;
      execute(app: string, arg: string, cb?: (evt: Event) => void): string;
      getInfo(): Event;
      disconnect(): void;
      connected(): boolean;
      socket: import('node:net').Socket | null;
    }
    class Server extends EventEmitter {
      constructor(opts: { server: NetServer; myevents?: boolean }, ready?: () => void);
      close(cb?: () => void): void;
      getCountOfConnections(): number;
    }
    class Parser extends EventEmitter {
      constructor(socket: EventEmitter);
    }
  }
  const esl: {
    Connection: typeof esl.Connection;
    Server: typeof esl.Server;
    Event: typeof esl.Event;
  };
  export = esl;
}

declare module 'drachtio-modesl/lib/esl/Parser.js' {
  import type { EventEmitter } from 'node:events';
  class Parser extends EventEmitter {
    constructor(socket: EventEmitter);
  }
  export = Parser;
}
