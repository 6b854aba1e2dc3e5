/**
 * The real sip.js 0.21.2 adapter (sipjs-factory.ts) with the real Registration logic, against a tiny
 * SIP-over-WebSocket registrar on loopback. Node 20 has no global WebSocket: `ws` stands in for it,
 * as machine-probes §4d found sip.js needs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { CallHistory } from './call-history.js';
import { Phone } from './phone.js';
import { sipJsFactory } from './sipjs-factory.js';
import { browserTimer } from './timer.js';
import type { RegistrationState } from './types.js';

const PORT = 16030;

function header(msg: string, name: string): string {
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(msg)?.[1]?.trim() ?? '';
}

/** Answers every REGISTER with 200 OK (expires 60) and counts them. */
class MiniRegistrar {
  registers = 0;
  private wss: WebSocketServer | undefined;

  async start(): Promise<void> {
    const wss = new WebSocketServer({ port: PORT, host: '127.0.0.1', handleProtocols: () => 'sip' });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', (ws) =>
      ws.on('message', (data) => {
        const msg = data.toString();
        if (!msg.startsWith('REGISTER ')) return;
        this.registers++;
        const to = header(msg, 'To');
        ws.send(
          [
            'SIP/2.0 200 OK',
            `Via: ${header(msg, 'Via')}`,
            `From: ${header(msg, 'From')}`,
            `To: ${to.includes('tag=') ? to : `${to};tag=reg${this.registers}`}`,
            `Call-ID: ${header(msg, 'Call-ID')}`,
            `CSeq: ${header(msg, 'CSeq')}`,
            `Contact: ${header(msg, 'Contact').replace(/;expires=\d+/, '')};expires=60`,
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        );
      }),
    );
    this.wss = wss;
  }

  /** The network drops: every socket dies and the server goes away. */
  async crash(): Promise<void> {
    const wss = this.wss;
    this.wss = undefined;
    if (!wss) return;
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  }
}

async function waitFor(states: RegistrationState[], want: RegistrationState, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (states.at(-1) !== want) {
    if (Date.now() > end) throw new Error(`no ${want} within ${ms} ms; saw ${states.join(' → ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('sip.js adapter against a loopback registrar', () => {
  const registrar = new MiniRegistrar();
  let phone: Phone | undefined;
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;

  beforeAll(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  });
  afterAll(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  });
  afterEach(async () => {
    await phone?.stop();
    await registrar.crash();
  });

  it('registers, loses the transport, reconnects with back-off and registers again', async () => {
    await registrar.start();
    phone = new Phone({
      factory: sipJsFactory,
      timer: browserTimer,
      wallClock: Date.now,
      history: new CallHistory({ load: async () => [], save: async () => undefined }),
      backoff: { baseMs: 200, maxMs: 400, random: () => 0.5 },
    });
    const states: RegistrationState[] = [];
    phone.events.on((e) => e.type === 'registration' && states.push(e.status.state));
    phone.addAccount({
      id: 'a',
      wsUrl: `ws://127.0.0.1:${PORT}`,
      sipUri: 'sip:100@127.0.0.1',
      password: 'pw',
      iceServers: [],
      dtmfMode: 'rfc4733',
      registerExpires: 60,
    });
    await waitFor(states, 'registered', 5000);
    expect(registrar.registers).toBe(1);

    await registrar.crash();
    await waitFor(states, 'retrying', 5000);
    await new Promise((r) => setTimeout(r, 700)); // a few failed reconnects while the server is down
    await registrar.start();
    await waitFor(states, 'registered', 5000);
    expect(registrar.registers).toBe(2);
    expect(states.slice(0, 3)).toEqual(['connecting', 'registering', 'registered']);
  });
});
