/**
 * The inbound event socket against the REAL clients: drachtio-modesl's Connection and
 * drachtio-fsmrf's Mrf.connect()/MediaServer, unmodified.
 */
import esl from 'drachtio-modesl';
import Mrf from 'drachtio-fsmrf';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeFreeswitch, type FakeFreeswitchHandle } from './index.js';

/** MediaServer fields fsmrf 4.1.2 has (lib/mediaserver.js) that the production .d.ts does not declare. */
type MediaServerFields = Mrf.MediaServer & {
  sip: { ipv4: { udp: { address?: string } } };
  hasCapability(cap: string[]): boolean;
  cpuIdle: number;
  fsVersion: string;
};

let fs: FakeFreeswitchHandle | undefined;
const conns: esl.Connection[] = [];

afterEach(async () => {
  for (const c of conns.splice(0)) c.disconnect();
  await fs?.stop();
  fs = undefined;
});

function once<T extends unknown[]>(
  emitter: { once(e: string, f: (...a: T) => void): unknown },
  event: string,
  ms = 3000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    emitter.once(event, (...a: T) => {
      clearTimeout(t);
      resolve(a);
    });
  });
}

function connect(port: number, secret: string): { conn: esl.Connection; ready: Promise<void> } {
  let resolve!: () => void;
  const ready = new Promise<void>((r) => (resolve = r));
  const conn = new esl.Connection('127.0.0.1', port, secret, () => resolve());
  conns.push(conn);
  return { conn, ready };
}

const api = (conn: esl.Connection, cmd: string): Promise<string> =>
  new Promise((r) => conn.api(cmd, (evt) => r(evt.getBody())));

describe('fake FreeSWITCH event socket, inbound, with the real drachtio-modesl and drachtio-fsmrf', () => {
  it('authenticates with the secret and answers api commands in order', async () => {
    fs = await startFakeFreeswitch({ secret: 'sekret' });
    const { conn, ready } = connect(fs.eslPort, 'sekret');
    await ready;
    const [status, sofia, nope] = await Promise.all([
      api(conn, 'status'),
      api(conn, 'sofia status'),
      api(conn, 'reloadxml'),
    ]);
    expect(status).toMatch(/^UP 0 years, 0 days/);
    expect(status).toMatch(/1000 session\(s\) max/);
    expect(sofia).toMatch(
      new RegExp(
        `^\\s*drachtio_mrf\\tprofile\\t\\s+sip:mod_sofia@127\\.0\\.0\\.1:${fs.sipPort}\\tRUNNING \\(0\\)$`,
        'm',
      ),
    );
    expect(nope).toBe('-ERR reloadxml Command not found!\n');
  });

  it('a wrong secret gets "-ERR invalid", the disconnect notice, and the socket closed', async () => {
    fs = await startFakeFreeswitch({ secret: 'right' });
    const { conn } = connect(fs.eslPort, 'wrong');
    const [fail] = await once<[esl.Event]>(conn, 'esl::event::auth::fail');
    expect(fail.getHeader('Reply-Text')).toBe('-ERR invalid');
    const [notice] = await once<[esl.Event]>(conn, 'esl::event::disconnect::notice');
    expect(notice.getBody()).toMatch(/^Disconnected, goodbye\./);
    await once(conn, 'esl::end');
    expect(fs.apiLog).toHaveLength(0);
  });

  it('bgapi answers with a Job-UUID, and the result comes only to a listener subscribed to BACKGROUND_JOB', async () => {
    fs = await startFakeFreeswitch();
    const { conn, ready } = connect(fs.eslPort, 'ClueCon');
    await ready;
    const unsubscribed = new Promise<string>((r) => conn.bgapi('version', '', (e) => r(e.getBody())));
    const lost = await Promise.race([
      unsubscribed,
      new Promise<string>((r) => setTimeout(() => r('none'), 300)),
    ]);
    expect(lost).toBe('none');
    await new Promise<void>((r) => conn.subscribe('BACKGROUND_JOB', () => r()));
    const body = await new Promise<string>((r) => conn.bgapi('version', '', (e) => r(e.getBody())));
    expect(body).toBe('FreeSWITCH Version 1.11.1-release~64bit (-release 64bit)\n');
  });

  it('an address outside the event socket ACL is refused rudely, which fsmrf reports as acl-error', async () => {
    fs = await startFakeFreeswitch({ eslAllow: () => false });
    const mrf = new Mrf({} as never);
    await expect(
      mrf.connect({ address: '127.0.0.1', port: fs.eslPort, secret: 'ClueCon', listenAddress: '127.0.0.1' }),
    ).rejects.toThrow('acl-error');
  });

  it("Mrf.connect: fsmrf learns the profile's SIP address from sofia status and the load from HEARTBEAT", async () => {
    fs = await startFakeFreeswitch({ maxSessions: 250, idleCpu: 77.25, heartbeatIntervalMs: 0 });
    const mrf = new Mrf({} as never);
    const ms = (await mrf.connect({
      address: '127.0.0.1',
      port: fs.eslPort,
      secret: 'ClueCon',
      listenAddress: '127.0.0.1',
    })) as MediaServerFields;
    try {
      expect(ms.sip.ipv4.udp.address).toBe(`127.0.0.1:${fs.sipPort}`);
      expect(ms.hasCapability(['ipv4', 'udp'])).toBe(true);
      expect(ms.hasCapability(['ipv4', 'dtls'])).toBe(false);
      // No HEARTBEAT yet: fsmrf knows nothing about the load (real FreeSWITCH sends one every 20 s).
      expect(ms.maxSessions).toBe(0);
      fs.emitHeartbeat();
      await fs.waitFor(() => ms.maxSessions === 250, 3000, 'heartbeat seen by fsmrf');
      expect(ms.currentSessions).toBe(0);
      expect(ms.cps).toBe(0);
      expect(ms.cpuIdle).toBe(77.25);
      expect(ms.fsVersion).toBe('1.11.1-release~64bit');
      expect(await ms.api('uuid_exists 00000000-0000-0000-0000-000000000000')).toBe('false');
    } finally {
      ms.disconnect();
    }
  });

  it('plain events are URL-encoded and decoded by modesl; a filter keeps only matching events', async () => {
    fs = await startFakeFreeswitch({ heartbeatIntervalMs: 0 });
    const { conn, ready } = connect(fs.eslPort, 'ClueCon');
    await ready;
    await new Promise<void>((r) => conn.events('plain', 'HEARTBEAT', () => r()));
    const got = once<[esl.Event]>(conn, 'esl::event::HEARTBEAT::*');
    fs.emitHeartbeat();
    const [hb] = await got;
    expect(hb.getHeader('Up-Time')).toMatch(/^0 years, 0 days, 0 hours, 0 minutes, \d+ seconds?, /);
    expect(hb.getHeader('Idle-CPU')).toBe('98.500000');
    await new Promise<void>((r) => conn.filter('Event-Name', 'CHANNEL_CREATE', () => r()));
    let more = 0;
    conn.on('esl::event::HEARTBEAT::*', () => more++);
    fs.emitHeartbeat();
    await new Promise((r) => setTimeout(r, 200));
    expect(more).toBe(0);
  });
});
