/**
 * The fork WebSocket server: accepts mod_audio_fork connections (audio.drachtio.org or
 * audio.jambonz.org) on an existing HTTP server's upgrade event, after checking credentials.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import { isAuthorized, type ForkCredentials } from './auth.js';
import type { CallMetadata } from '../conversation/call-channel.js';
import {
  LocalForkSession,
  type AgentSideOfFork,
  type LocalForkEndpoint,
  type MediaSideOfFork,
} from './local-fork.js';
import type { KeepaliveOptions } from './fork-keepalive.js';
import { ForkSession, type CallFactory } from './fork-session.js';
import { FORK_SUBPROTOCOLS, MAX_FRAME_BYTES } from './protocol.js';

export const FORK_PATH = '/fork';

export interface ForkServerOptions {
  credentials: ForkCredentials;
  log: Logger;
  createCall: CallFactory;
  /** WebSocket ping and the silence after which a fork is dead (SWITCHBOARD_FORK_PING_*). Off if absent. */
  keepalive?: KeepaliveOptions;
}

export class ForkServer implements LocalForkEndpoint {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<ForkSession | LocalForkSession>();
  /** Calls whose fork ended but that are still closing (recording their end). */
  private readonly ending = new Set<Promise<void>>();

  constructor(private readonly options: ForkServerOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      // ws closes with 1009 above this; the protocol check gives a clearer reason below it.
      maxPayload: MAX_FRAME_BYTES * 2,
      perMessageDeflate: false,
      handleProtocols: (offered) => {
        for (const p of FORK_SUBPROTOCOLS) if (offered.has(p)) return p;
        return false;
      },
    });
  }

  get activeCalls(): number {
    return this.sessions.size;
  }

  /** Returns false when the request is not for the fork path, so other upgrade handlers can take it. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = new URL(req.url ?? '/', 'http://fork.invalid').pathname;
    if (path !== FORK_PATH && path !== `${FORK_PATH}/`) return false;
    if (!isAuthorized(req, this.options.credentials)) {
      this.options.log.warn(
        { remote: req.socket.remoteAddress },
        'fork connection refused: bad or missing credentials',
      );
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="switchboard-fork"\r\n' +
          'Connection: close\r\nContent-Length: 0\r\n\r\n',
      );
      socket.destroy();
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new ForkSession(
        ws,
        this.options.log.child({ remote: req.socket.remoteAddress }),
        this.options.createCall,
        (s) => this.onSessionClosed(s),
        this.options.keepalive,
      );
      this.sessions.add(session);
    });
    return true;
  }

  /** An in-process fork (the embedded gateway in this process): the same calls, no socket. */
  openLocal(metadata: CallMetadata, media: MediaSideOfFork): AgentSideOfFork {
    const session = new LocalForkSession(
      metadata,
      media,
      this.options.log.child({ remote: 'in-process' }),
      this.options.createCall,
      (s) => this.onSessionClosed(s),
    );
    if (!session.ended) this.sessions.add(session); // a call may end while it starts
    return session;
  }

  /**
   * Close every call with 1001, stop accepting, and resolve once every call whose fork ended has
   * closed — its end recorded — so the store can close after it, not before.
   */
  async close(): Promise<void> {
    for (const s of [...this.sessions]) s.shutdown();
    this.wss.close();
    await Promise.allSettled([...this.ending]);
  }

  private onSessionClosed(session: ForkSession | LocalForkSession): void {
    this.sessions.delete(session);
    const ended = session instanceof LocalForkSession ? session.done : session.ended;
    this.ending.add(ended);
    void ended.finally(() => this.ending.delete(ended));
  }
}
