/**
 * TEST-ONLY: a DNS server on loopback UDP speaking the real wire format (RFC 1035 header, question and
 * resource records; NAPTR per RFC 3403, SRV per RFC 2782), answering from a fixed zone, so node:dns's
 * c-ares resolver runs unchanged against it. Names are written uncompressed; unknown names get NXDOMAIN,
 * known names without the asked type an empty NOERROR. Every question asked is recorded.
 */
import dgram from 'node:dgram';

export type FakeRecord =
  | { type: 'A'; name: string; address: string }
  | { type: 'SRV'; name: string; priority: number; weight: number; port: number; target: string }
  | {
      type: 'NAPTR';
      name: string;
      order: number;
      preference: number;
      flags: string;
      service: string;
      replacement: string;
    };

const TYPE = { A: 1, SRV: 33, NAPTR: 35 } as const;
const TYPE_NAME: Record<number, string> = { 1: 'A', 28: 'AAAA', 33: 'SRV', 35: 'NAPTR' };

export interface FakeDns {
  /** `127.0.0.1:port`, for Resolver#setServers. */
  server: string;
  /** Questions asked, as `TYPE name`. */
  queries: string[];
  close(): Promise<void>;
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])),
    Buffer.from([0]),
  ]);
}

function charString(s: string): Buffer {
  return Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'ascii')]);
}

function rdata(r: FakeRecord): Buffer {
  if (r.type === 'A') return Buffer.from(r.address.split('.').map(Number));
  if (r.type === 'SRV') {
    const head = Buffer.alloc(6);
    head.writeUInt16BE(r.priority, 0);
    head.writeUInt16BE(r.weight, 2);
    head.writeUInt16BE(r.port, 4);
    return Buffer.concat([head, encodeName(r.target)]);
  }
  const head = Buffer.alloc(4);
  head.writeUInt16BE(r.order, 0);
  head.writeUInt16BE(r.preference, 2);
  return Buffer.concat([
    head,
    charString(r.flags),
    charString(r.service),
    charString(''),
    encodeName(r.replacement),
  ]);
}

function answer(r: FakeRecord): Buffer {
  const data = rdata(r);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPE[r.type], 0);
  fixed.writeUInt16BE(1, 2); // IN
  fixed.writeUInt32BE(60, 4); // TTL
  fixed.writeUInt16BE(data.length, 8);
  return Buffer.concat([encodeName(r.name), fixed, data]);
}

/** The question's name, type and where the question section ends. */
function parseQuestion(msg: Buffer): { name: string; type: number; end: number } | undefined {
  let i = 12;
  const labels: string[] = [];
  while (i < msg.length && msg[i] !== 0) {
    const len = msg[i]!;
    if (len > 63) return undefined; // no compression in questions
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += 1 + len;
  }
  if (i + 5 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(i + 1), end: i + 5 };
}

export async function startFakeDns(zone: FakeRecord[]): Promise<FakeDns> {
  const sock = dgram.createSocket('udp4');
  const queries: string[] = [];
  sock.on('message', (msg, rinfo) => {
    if (msg.length < 12) return;
    const q = parseQuestion(msg);
    if (!q) return;
    queries.push(`${TYPE_NAME[q.type] ?? q.type} ${q.name}`);
    const known = zone.filter((r) => r.name.toLowerCase() === q.name);
    const hits = known.filter((r) => TYPE[r.type] === q.type);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0); // id
    const rd = msg.readUInt16BE(2) & 0x0100;
    header.writeUInt16BE(0x8400 | rd | (known.length === 0 ? 3 : 0), 2); // QR, AA, RD echoed, NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(hits.length, 6);
    sock.send(
      Buffer.concat([header, msg.subarray(12, q.end), ...hits.map(answer)]),
      rinfo.port,
      rinfo.address,
    );
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return {
    server: `127.0.0.1:${sock.address().port}`,
    queries,
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}
