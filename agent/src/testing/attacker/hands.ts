/**
 * TEST-ONLY: the attacker's hands. Runs inside the attacker's network namespace (started by
 * attacker-netns.ts) and does what the test asks, one JSON line per command on stdin, one JSON line
 * per answer on stdout: open UDP/TCP/WebSocket sockets from the attacker's addresses, send single
 * messages, bursts of numbered messages and sprays over port ranges, and report what came back.
 * Every burst is bounded in count; the process exits when stdin closes (the test ended).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';

interface Inbox {
  count: number;
  bytes: number;
  /** SIP responses received, by status code. */
  statuses: Record<number, number>;
  /** The last texts received (SIP messages), newest last. */
  texts: string[];
  /** SIP messages received in all: texts[i] is message number textsTotal - texts.length + i. */
  textsTotal: number;
  closed: boolean;
  status?: number;
}

type Handle =
  | { kind: 'udp'; sock: dgram.Socket; inbox: Inbox }
  | { kind: 'tcp'; sock: net.Socket; inbox: Inbox }
  | { kind: 'ws'; ws: WebSocket; inbox: Inbox };

const MAX_TEXTS = 200;
const MAX_BURST = 100_000;
const handles = new Map<number, Handle>();
let next = 1;

function newInbox(): Inbox {
  return { count: 0, bytes: 0, statuses: {}, texts: [], textsTotal: 0, closed: false };
}

function record(inbox: Inbox, data: Buffer): void {
  inbox.count++;
  inbox.bytes += data.length;
  const text = data.toString('latin1');
  const status = /^SIP\/2\.0 (\d{3})/.exec(text)?.[1];
  if (status) inbox.statuses[Number(status)] = (inbox.statuses[Number(status)] ?? 0) + 1;
  if (/^(SIP\/2\.0 |[A-Z]+ \S+ SIP\/2\.0)/.test(text)) {
    inbox.texts.push(text);
    inbox.textsTotal++;
    if (inbox.texts.length > MAX_TEXTS) inbox.texts.shift();
  }
}

/** Length of the first whole SIP message in a TCP stream (by Content-Length), or 0. */
function messageLength(buf: Buffer): number {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return 0;
  const len = Number(/^content-length:\s*(\d+)/im.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
  return buf.length >= end + 4 + len ? end + 4 + len : 0;
}

function payload(a: { text?: string; b64?: string }): Buffer {
  return a.b64 !== undefined ? Buffer.from(a.b64, 'base64') : Buffer.from(a.text ?? '', 'latin1');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function get(h: number): Handle {
  const x = handles.get(h);
  if (!x) throw new Error(`no handle ${h}`);
  return x;
}

type Args = Record<string, unknown> & { h?: number };

const ops: Record<string, (a: Args) => Promise<unknown>> = {
  async 'udp.open'(a) {
    const sock = dgram.createSocket('udp4');
    const inbox = newInbox();
    sock.on('message', (m) => record(inbox, m));
    sock.on('error', () => undefined);
    await new Promise<void>((res, rej) => {
      sock.once('error', rej);
      sock.bind(Number(a.port ?? 0), String(a.address), () => res());
    });
    const h = next++;
    handles.set(h, { kind: 'udp', sock, inbox });
    return { h, port: sock.address().port };
  },

  async 'udp.send'(a) {
    const x = get(a.h!);
    if (x.kind !== 'udp') throw new Error('not udp');
    x.sock.send(payload(a as { text?: string; b64?: string }), Number(a.port), String(a.host));
    return {};
  },

  /** `count` messages from `template`, `{i}` replaced by the message number, `perBatch` at a time. */
  async 'udp.flood'(a) {
    const x = get(a.h!);
    if (x.kind !== 'udp') throw new Error('not udp');
    const count = Math.min(Number(a.count), MAX_BURST);
    const perBatch = Number(a.perBatch ?? 100);
    const template = String(a.template);
    for (let i = 0; i < count; i++) {
      x.sock.send(
        Buffer.from(template.replaceAll('{i}', String(i)), 'latin1'),
        Number(a.port),
        String(a.host),
      );
      if ((i + 1) % perBatch === 0) await sleep(Number(a.pauseMs ?? 1));
    }
    return { sent: count };
  },

  /** The same datagram to every `step`-th port in [from, to], `rounds` times. */
  async 'udp.spray'(a) {
    const x = get(a.h!);
    if (x.kind !== 'udp') throw new Error('not udp');
    const data = payload(a as { b64?: string });
    const rounds = Math.min(Number(a.rounds ?? 1), 1000);
    let sent = 0;
    for (let r = 0; r < rounds; r++) {
      for (let p = Number(a.from); p <= Number(a.to); p += Number(a.step ?? 2)) {
        x.sock.send(data, p, String(a.host));
        sent++;
      }
      await sleep(Number(a.pauseMs ?? 20));
    }
    return { sent };
  },

  async 'tcp.open'(a) {
    const sock = net.connect({ host: String(a.host), port: Number(a.port), localAddress: String(a.address) });
    const inbox = newInbox();
    let stream = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      stream = Buffer.concat([stream, d]);
      for (let cut = messageLength(stream); cut > 0; cut = messageLength(stream)) {
        record(inbox, stream.subarray(0, cut));
        stream = stream.subarray(cut);
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => (inbox.closed = true));
    await new Promise<void>((res, rej) => sock.once('connect', res).once('error', rej));
    const h = next++;
    handles.set(h, { kind: 'tcp', sock, inbox });
    return { h };
  },

  async 'tcp.send'(a) {
    const x = get(a.h!);
    if (x.kind !== 'tcp') throw new Error('not tcp');
    x.sock.write(payload(a as { text?: string }));
    return {};
  },

  /** Open a WebSocket; resolves with the HTTP status when the upgrade is refused. */
  async 'ws.open'(a) {
    const inbox = newInbox();
    const ws = new WebSocket(String(a.url), (a.protocols as string[] | undefined) ?? ['sip'], {
      localAddress: String(a.address),
      ...(a.origin !== undefined ? { origin: String(a.origin) } : {}),
      handshakeTimeout: 3000,
    });
    const status = await new Promise<number>((res) => {
      ws.once('open', () => res(101));
      ws.once('unexpected-response', (_req, r) => res(r.statusCode ?? 0));
      ws.once('error', () => res(0));
    });
    if (status !== 101) return { status };
    ws.on('message', (d: Buffer) => record(inbox, d));
    ws.on('close', () => (inbox.closed = true));
    const h = next++;
    handles.set(h, { kind: 'ws', ws, inbox });
    return { h, status };
  },

  async 'ws.send'(a) {
    const x = get(a.h!);
    if (x.kind !== 'ws') throw new Error('not ws');
    x.ws.send(String(a.text));
    return {};
  },

  /** What came back; `from` is a message number (textsTotal at an earlier call): only later texts. */
  async inbox(a) {
    const { inbox } = get(a.h!);
    const first = inbox.textsTotal - inbox.texts.length;
    return { ...inbox, texts: inbox.texts.slice(Math.max(0, Number(a.from ?? 0) - first)) };
  },

  async close(a) {
    const x = handles.get(a.h!);
    handles.delete(a.h!);
    if (x?.kind === 'udp') x.sock.close();
    if (x?.kind === 'tcp') x.sock.destroy();
    if (x?.kind === 'ws') x.ws.terminate();
    return {};
  },
};

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let msg: { id: number; op: string; args: Args };
  try {
    msg = JSON.parse(line) as typeof msg;
  } catch {
    return;
  }
  const op = ops[msg.op];
  const run = op ? op(msg.args ?? {}) : Promise.reject(new Error(`unknown op ${msg.op}`));
  run.then(
    (result) => process.stdout.write(`${JSON.stringify({ id: msg.id, ok: true, result })}\n`),
    (err: unknown) =>
      process.stdout.write(
        `${JSON.stringify({ id: msg.id, ok: false, error: String((err as Error).message ?? err) })}\n`,
      ),
  );
});
lines.on('close', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
