/**
 * Bad input and refusals over real sockets (loopback SIP ports 15080–15089): every malformed message
 * gets a 400/513 or is dropped, the proper status for what we do not do, and the gateway keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOOPBACK_TRUNK, startGateway, testProfiles, type Harness } from './testing/gateway-harness.js';
import { inviteText, rawTcp, rawUdp } from './testing/raw-sip-client.js';
import { runSipp } from './testing/sipp-runner.js';

const PORT = 15080;
const LIMITED_PORT = 15082;
let h: Harness;
let limited: Harness;

beforeAll(async () => {
  h = await startGateway({
    port: PORT,
    maxMessageBytes: 4096,
    profiles: testProfiles({ trunks: [LOOPBACK_TRUNK] }),
  });
  // Loopback untrusted here: the rate limit applies to sources we do not trust.
  limited = await startGateway({
    port: LIMITED_PORT,
    rateLimit: { perSecond: 0.5, burst: 3, action: 'reject' },
  });
});
afterAll(async () => {
  await h.gateway.stop();
  await limited.gateway.stop();
});

const statusOf = (reply: string | undefined) => Number(/^SIP\/2\.0 (\d{3})/.exec(reply ?? '')?.[1] ?? 0);

/** Send one message on a fresh UDP socket; the first reply's status (0 = nothing within the wait). */
async function udpStatus(
  text: string | Buffer,
  waitMs = 300,
): Promise<{ status: number; reply: string | undefined; all: string[] }> {
  const c = await rawUdp(PORT);
  c.send(text);
  await new Promise((r) => setTimeout(r, waitMs));
  c.close();
  const final = c.replies.find((r) => statusOf(r) >= 200) ?? c.replies[0];
  return { status: statusOf(final), reply: final, all: c.replies };
}

const invite = (o: Parameters<typeof inviteText>[0] = {}) => inviteText({ port: PORT, ...o });

describe('malformed messages: 400 when a response can be formed, dropped otherwise', () => {
  const cases: Array<[string, string | Buffer, number]> = [
    ['binary garbage', Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 10, 13, 10]), 0],
    ['unknown SIP version', invite().replace('SIP/2.0\r\n', 'SIP/3.0\r\n'), 0],
    ['header line without a colon', invite().replace('Max-Forwards: 70', 'Max-Forwards 70'), 0],
    ['missing Call-ID', invite().replace(/Call-ID: .*\r\n/, ''), 0],
    ['malformed Via', invite().replace(/Via: .*\r\n/, 'Via: nonsense\r\n'), 0],
    ['CSeq method differs from the request method', invite().replace('CSeq: 1 INVITE', 'CSeq: 1 BYE'), 400],
    ['CSeq not a number', invite().replace('CSeq: 1 INVITE', 'CSeq: one INVITE'), 400],
    [
      'Content-Length longer than the body',
      invite().replace(/Content-Length: \d+/, 'Content-Length: 900'),
      400,
    ],
    ['Content-Length not a number', invite().replace(/Content-Length: \d+/, 'Content-Length: lots'), 400],
    ['oversize message', invite({ extraHeaders: [`X-Pad: ${'a'.repeat(5000)}`] }), 513],
  ];
  it.each(cases)('%s → %s (0: dropped)', async (_name, text, expected) => {
    const before = h.media.length;
    const { status } = await udpStatus(text);
    expect(status).toBe(expected);
    expect(h.media.length).toBe(before);
  });

  it('after all of them the gateway still answers a sipp call', async () => {
    const run = await runSipp({
      scenario: 'uac-call.xml',
      target: `127.0.0.1:${PORT}`,
      transport: 'udp',
      localPort: 15081,
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
  });
});

describe('what we do not do gets the proper status', () => {
  const request = (method: string, extra: string[] = []) =>
    [
      `${method} sip:7000@127.0.0.1:${PORT} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`,
      'From: <sip:raw@127.0.0.1>;tag=a1',
      'To: <sip:7000@127.0.0.1>',
      `Call-ID: ${Math.random().toString(36).slice(2)}@raw`,
      `CSeq: 1 ${method}`,
      'Max-Forwards: 70',
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');

  it('SUBSCRIBE → 405 with Allow', async () => {
    const { status, reply } = await udpStatus(request('SUBSCRIBE', ['Event: presence']));
    expect(status).toBe(405);
    expect(reply).toMatch(/^Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, NOTIFY, REGISTER, UPDATE$/m);
  });
  it('an unknown method → 501', async () => {
    expect((await udpStatus(request('FROBNICATE'))).status).toBe(501);
  });
  it('an INVITE whose body is not SDP → 415 with Accept', async () => {
    const { status, reply } = await udpStatus(
      invite().replace('Content-Type: application/sdp', 'Content-Type: text/plain'),
    );
    expect(status).toBe(415);
    expect(reply).toMatch(/^Accept: application\/sdp$/m);
  });
  it('Require of an extension we lack → 420 with Unsupported', async () => {
    const { status, reply } = await udpStatus(invite({ extraHeaders: ['Require: 100rel, timer'] }));
    expect(status).toBe(420);
    expect(reply).toMatch(/^Unsupported: 100rel$/m); // timer (RFC 4028) we support
  });
  it('no common codec → 488 (from CallMedia.negotiate)', async () => {
    const { status } = await udpStatus(
      invite().replace('RTP/AVP 0\r\na=rtpmap:0 PCMU/8000', 'RTP/AVP 18\r\na=rtpmap:18 G729/8000'),
    );
    expect(status).toBe(488);
  });
  it('BYE and re-INVITE for a dialog that does not exist → 481', async () => {
    expect(
      (
        await udpStatus(
          request('BYE', []).replace('To: <sip:7000@127.0.0.1>', 'To: <sip:7000@127.0.0.1>;tag=nope'),
        )
      ).status,
    ).toBe(481);
    expect((await udpStatus(invite().replace(/To: (.*)\r\n/, 'To: $1;tag=nope\r\n'))).status).toBe(481);
  });
  it('Max-Forwards 0 → 483', async () => {
    expect((await udpStatus(invite().replace('Max-Forwards: 70', 'Max-Forwards: 0'))).status).toBe(483);
  });
  it('a known scanner User-Agent is dropped silently', async () => {
    const before = h.media.length;
    const { all } = await udpStatus(invite({ extraHeaders: ['User-Agent: friendly-scanner'] }));
    expect(all).toEqual([]);
    expect(h.media.length).toBe(before);
  });
});

describe('UDP retransmission of an INVITE (same branch)', () => {
  it('is absorbed: one call, the last response (200) re-sent', async () => {
    const c = await rawUdp(PORT);
    const before = h.media.length;
    const text = invite({ branch: 'z9hG4bKretx1', callId: 'retx-1' });
    c.send(text);
    await c.waitReplies(2);
    c.send(text);
    const replies = await c.waitReplies(3);
    c.close();
    expect(replies.map(statusOf)).toEqual([100, 200, 200]);
    expect(h.media.length).toBe(before + 1);
  });
});

describe('TCP stream framing', () => {
  it('a message split across writes, then a coalesced pair, each answered', async () => {
    const c = await rawTcp(PORT);
    const opts = (path: string) =>
      [
        `OPTIONS sip:7000@127.0.0.1:${PORT} SIP/2.0`,
        `Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK${path}`,
        'From: <sip:raw@127.0.0.1>;tag=a1',
        'To: <sip:7000@127.0.0.1>',
        `Call-ID: ${path}@raw`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    const one = opts('split');
    c.send(one.slice(0, 40));
    await new Promise((r) => setTimeout(r, 50));
    c.send(one.slice(40));
    c.send(opts('pairA') + opts('pairB'));
    const replies = await c.waitReplies(3);
    c.close();
    expect(replies.map(statusOf)).toEqual([200, 200, 200]);
    expect(replies.map((r) => /Call-ID: (\w+)@raw/.exec(r)?.[1])).toEqual(['split', 'pairA', 'pairB']);
  });
});

describe('rate limiting per source address', () => {
  it('requests of every method over the burst get 503 with Retry-After (OPTIONS included)', async () => {
    const statuses: number[] = [];
    const options = (i: number) =>
      inviteText({ port: LIMITED_PORT, user: '9999' })
        .replace(/^INVITE /, 'OPTIONS ')
        .replace('CSeq: 1 INVITE', 'CSeq: 1 OPTIONS')
        .replace(/Call-ID: .*/, `Call-ID: options-${i}@raw`);
    for (let i = 0; i < 6; i++) {
      const c = await rawUdp(LIMITED_PORT);
      c.send(i % 2 ? options(i) : inviteText({ port: LIMITED_PORT, user: '9999' }));
      const r = await c.waitReplies(2, 500);
      c.close();
      const final = r.find((x) => statusOf(x) >= 200);
      statuses.push(statusOf(final));
      if (statusOf(final) === 503) expect(final).toMatch(/^Retry-After: \d+$/m);
    }
    // Untrusted and no credentials configured: 403 for the INVITEs, 200 for OPTIONS, until the burst is spent.
    expect(statuses).toEqual([403, 200, 403, 503, 503, 503]);
  });
});
