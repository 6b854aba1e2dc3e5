/**
 * The `socket <host:port> async full` dialplan application (mod_event_socket.c socket_function):
 * connect to the controlling app (port 8084 when none is given), then the socket becomes an
 * outbound event socket listener bound to the channel; once the app sent `connect`, the channel
 * parks. Resolves false when the connection cannot be made (FreeSWITCH: "Socket Error!").
 */
import net from 'node:net';
import type { Clock } from '../../../../../time/clock.js';
import type { Logger } from '../../../../../log.js';
import { EslListener, type EslHost } from '../esl/esl-listener.js';
import type { FsChannel } from './channel.js';

export interface SocketAppDeps {
  clock: Clock;
  log: Logger;
  host: EslHost;
  /** Sockets still connecting or open (closed by the owner on stop/crash). */
  sockets: Set<net.Socket>;
  onListener(l: EslListener): void;
  connectTimeoutMs?: number;
}

export function socketApp(ch: FsChannel, target: string, d: SocketAppDeps): Promise<boolean> {
  const i = target.lastIndexOf(':');
  const host = i > 0 ? target.slice(0, i) : target;
  const port = i > 0 ? Number(target.slice(i + 1)) : 8084;
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    d.sockets.add(sock);
    const timer = d.clock.setTimeout(
      () => sock.destroy(new Error('connect timeout')),
      d.connectTimeoutMs ?? 5000,
    );
    sock.once('error', (err) => {
      d.clock.clearTimeout(timer);
      d.log.warn({ err: err.message, target }, 'socket app: connect failed');
      resolve(false);
    });
    sock.once('close', () => {
      d.clock.clearTimeout(timer);
      d.sockets.delete(sock);
    });
    sock.once('connect', () => {
      d.clock.clearTimeout(timer);
      if (ch.hungUp) {
        sock.destroy();
        return resolve(true);
      }
      const l = new EslListener(sock, d.host, {
        session: ch,
        async: true,
        full: true,
        onConnected: () => {
          ch.state = 'CS_EXECUTE';
          ch.fire('CHANNEL_PARK');
        },
      });
      ch.outbound = l;
      d.onListener(l);
      l.start();
      resolve(true);
    });
  });
}
