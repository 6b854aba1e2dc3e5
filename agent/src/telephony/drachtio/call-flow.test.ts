/**
 * The whole drachtio call flow in-process: startDrachtioTelephony with a recording srf, fake media
 * servers, and the REAL drachtio-fsmrf Endpoint on a fake event socket, so the lines asserted here are
 * the exact api/execute strings FreeSWITCH would receive (syntax: research §1.2, §8).
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../audio/clock.js';
import { digestResponse } from './digest-auth.js';
import { tokenizerSafeJson } from './fork-commands.js';
import { parseAuthParams } from './sip-utils.js';
import { startDrachtioTelephony, type DrachtioTelephony } from './start.js';
import { testConfig } from './testing/config.js';
import {
  FakeMrf,
  FakeRequest,
  FakeResponse,
  FakeSrf,
  G722_ANSWER,
  settle,
  type FakeChannel,
} from './testing/fakes.js';

const log = pino({ level: 'silent' });
let running: DrachtioTelephony | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function boot(config = testConfig()) {
  const srf = new FakeSrf();
  const mrf = new FakeMrf();
  const clock = new ManualClock();
  const ended: Array<[string, string]> = [];
  running = await startDrachtioTelephony({
    config,
    log,
    clock,
    srf,
    mrf,
    onCallEnded: (id, r) => ended.push([id, r]),
  });
  await settle();
  srf.emit('connect', null, 'udp/192.0.2.1:5060,tcp/192.0.2.1:5060');
  await settle();
  return { srf, mrf, clock, ended, tel: running };
}

function invite(
  to: string,
  opts: { source?: string; headers?: Record<string, string>; callId?: string } = {},
) {
  return new FakeRequest(
    'INVITE',
    `sip:${to}@switchboard.example`,
    {
      From: '"Carol" <sip:+15557654321@carrier.example>;tag=abc',
      To: `<sip:${to}@switchboard.example>`,
      ...opts.headers,
    },
    opts.source ?? '203.0.113.9',
    'v=0 offer',
    opts.callId ?? 'call-abc',
  );
}

async function call(srf: FakeSrf, req: FakeRequest): Promise<FakeResponse> {
  const res = new FakeResponse();
  srf.inviteHandler!(req, res);
  await settle(10);
  return res;
}

function channel(mrf: FakeMrf): FakeChannel {
  const all = [...mrf.servers.values()].flat().flatMap((s) => s.channels);
  expect(all).toHaveLength(1);
  return all[0]!;
}

const forkLine = (uuid: string, meta: Record<string, unknown>, rate: number) =>
  `api uuid_audio_fork ^^|${uuid}|start|ws://127.0.0.1:8080/fork|mono|${rate}|switchboard|'${tokenizerSafeJson(meta)}'|true|true|${rate}`;

describe('inbound call through drachtio + FreeSWITCH (fakes)', () => {
  it('INVITE → route → connectCaller → fork start with exact args → DTMF → transfer REFER + NOTIFY → BYE → stop + destroy', async () => {
    const { srf, mrf, clock, ended } = await boot();
    const res = await call(srf, invite('+15551230000'));
    expect(res.sent.map((s) => s.status)).toEqual([200]);
    const ch = channel(mrf);
    const meta = {
      callId: 'call-abc',
      from: '+15557654321',
      to: '+15551230000',
      profile: 'receptionist',
      sampleRate: 8000,
      playbackSampleRate: 8000,
      codec: 'PCMU',
      source: 'drachtio',
    };
    expect(ch.conn.lines).toEqual([
      `api uuid_setvar ${ch.uuid} MOD_AUDIO_BASIC_AUTH_USERNAME switchboard`,
      `api uuid_setvar ${ch.uuid} MOD_AUDIO_BASIC_AUTH_PASSWORD fork-password-123`,
      forkLine(ch.uuid, meta, 8000),
    ]);
    ch.conn.custom(ch.uuid, 'mod_audio_fork::connect', '');
    ch.conn.dtmf(ch.uuid, '5', '800');
    await settle();
    expect(ch.conn.lines[3]).toBe(
      `api uuid_audio_fork ${ch.uuid} send_text switchboard '{"type":"dtmf","data":{"digit":"5","duration":100}}'`,
    );

    ch.conn.custom(ch.uuid, 'mod_audio_fork::transfer', { target: 'sip:sales@pbx.example.com' });
    await settle();
    expect(ch.callerDialog.requests).toEqual([
      {
        method: 'REFER',
        headers: {
          'Refer-To': '<sip:sales@pbx.example.com>',
          'Referred-By': '<sip:+15551230000@switchboard.example>',
        },
      },
    ]);
    expect(ch.callerDialog.notify('SIP/2.0 100 Trying\r\n')).toBe(200);
    await settle();
    expect(ch.conn.lines).toHaveLength(4);
    expect(ch.callerDialog.notify('SIP/2.0 200 OK\r\n')).toBe(200);
    await settle(10);
    expect(ch.conn.lines.slice(4)).toEqual([
      `api uuid_audio_fork ${ch.uuid} send_text switchboard '{"type":"transferResult","data":{"status":200,"reason":"OK"}}'`,
      `api uuid_audio_fork ${ch.uuid} send_text switchboard '{"type":"hangup","data":{"reason":"transferred"}}'`,
      `api uuid_audio_fork ${ch.uuid} stop switchboard`,
      'execute hangup ',
    ]);
    expect(ch.callerDialog.destroyed).toBe(1);
    expect(ended).toEqual([['call-abc', 'transferred']]);
    clock.advance(60_000);
    expect(ch.conn.lines).toHaveLength(8);
  });

  it('caller hangup: hangup notice, fork stop with the bug name, endpoint destroyed, no BYE back', async () => {
    const { srf, mrf, ended, tel } = await boot();
    await call(srf, invite('7000'));
    const ch = channel(mrf);
    ch.conn.custom(ch.uuid, 'mod_audio_fork::connect', '');
    expect(tel.readiness().activeCalls).toBe(1);
    ch.callerDialog.emit('destroy');
    await settle(10);
    expect(ch.conn.lines.slice(3)).toEqual([
      `api uuid_audio_fork ${ch.uuid} send_text switchboard '{"type":"hangup","data":{"reason":"caller_hangup"}}'`,
      `api uuid_audio_fork ${ch.uuid} stop switchboard`,
      'execute hangup ',
    ]);
    expect(ch.conn.lines.some((l) => l.includes('graceful-shutdown'))).toBe(false);
    expect(ch.callerDialog.destroyed).toBe(0);
    expect(ended).toEqual([['call-abc', 'caller_hangup']]);
    expect(tel.readiness().activeCalls).toBe(0);
  });

  it('agent disconnect (end_call) → BYE to the caller and endpoint destroyed, no stop on the closed fork', async () => {
    const { srf, mrf, ended } = await boot();
    await call(srf, invite('7000'));
    const ch = channel(mrf);
    ch.conn.custom(ch.uuid, 'mod_audio_fork::connect', '');
    ch.conn.custom(ch.uuid, 'mod_audio_fork::disconnect', { reason: 'goodbye' });
    await settle(10);
    expect(ch.callerDialog.destroyed).toBe(1);
    expect(ch.conn.lines.slice(3)).toEqual(['execute hangup ']);
    expect(ended).toEqual([['call-abc', 'agent_hangup']]);
  });

  it('agent sendDtmf (json event) → uuid_send_dtmf; invalid digits are not sent', async () => {
    const { srf, mrf } = await boot();
    await call(srf, invite('7000'));
    const ch = channel(mrf);
    ch.conn.custom(ch.uuid, 'mod_audio_fork::connect', '');
    ch.conn.custom(ch.uuid, 'mod_audio_fork::json', {
      type: 'json',
      data: { action: 'sendDtmf', digits: '12#' },
    });
    ch.conn.custom(ch.uuid, 'mod_audio_fork::json', {
      type: 'json',
      data: { action: 'sendDtmf', digits: '1; hupall' },
    });
    await settle();
    expect(ch.conn.lines.slice(3)).toEqual([`api uuid_send_dtmf ${ch.uuid} 12#`]);
  });

  it('transfer to a target outside the profile is refused without a REFER; a rejected REFER keeps the call', async () => {
    const { srf, mrf } = await boot();
    await call(srf, invite('7000'));
    const ch = channel(mrf);
    ch.conn.custom(ch.uuid, 'mod_audio_fork::connect', '');
    ch.conn.custom(ch.uuid, 'mod_audio_fork::transfer', { target: 'sip:attacker@evil.example' });
    await settle();
    expect(ch.callerDialog.requests).toEqual([]);
    expect(ch.conn.lines[3]).toContain(
      `'{"type":"transferResult","data":{"status":403,"reason":"target not allowed"}}'`,
    );
    ch.callerDialog.nextStatus = 603;
    ch.conn.custom(ch.uuid, 'mod_audio_fork::transfer', { target: 'sales' });
    await settle();
    expect(ch.callerDialog.requests[0]?.headers['Refer-To']).toBe('<sip:sales@pbx.example.com>');
    expect(ch.conn.lines[4]).toContain('"status":603');
    expect(ch.callerDialog.destroyed).toBe(0);
  });

  it('fork connect_failed → apology tone, BYE, endpoint destroyed', async () => {
    const { srf, mrf, ended } = await boot();
    await call(srf, invite('7000'));
    const ch = channel(mrf);
    ch.conn.custom(ch.uuid, 'mod_audio_fork::connect_failed', { reason: 'Unable to connect' });
    await settle(10);
    expect(ch.conn.lines.slice(3)).toEqual([
      'execute playback tone_stream://%(300,200,480,620);loops=3',
      'execute hangup ',
    ]);
    expect(ch.callerDialog.destroyed).toBe(1);
    expect(ended).toEqual([['call-abc', 'fork_failed']]);
  });

  it('no connect event within the timeout is treated as a failed fork', async () => {
    const { srf, mrf, clock, ended } = await boot();
    await call(srf, invite('7000'));
    clock.advance(4999);
    await settle();
    expect(ended).toEqual([]);
    clock.advance(1);
    await settle(10);
    expect(ended).toEqual([['call-abc', 'fork_failed']]);
    expect(channel(mrf).callerDialog.destroyed).toBe(1);
  });

  it('a G.722 call forks at 16 kHz both ways', async () => {
    const { srf, mrf } = await boot();
    mrf.latest('fs1:8021').answerSdp = G722_ANSWER;
    mrf.latest('fs2:8021').answerSdp = G722_ANSWER;
    await call(srf, invite('7000'));
    const ch = channel(mrf);
    expect(ch.conn.lines[2]).toMatch(/\|mono\|16000\|switchboard\|'.*"codec":"G722".*'\|true\|true\|16000$/);
  });
});

describe('INVITE decisions', () => {
  it('404 for a number no profile answers, before any media server is used', async () => {
    const { srf, mrf } = await boot();
    const res = await call(srf, invite('9999'));
    expect(res.sent.map((s) => s.status)).toEqual([404]);
    expect([...mrf.servers.values()].flat().every((s) => s.channels.length === 0)).toBe(true);
  });

  it('403 for an unknown source when nobody can authenticate', async () => {
    const { srf } = await boot(testConfig({}, { users: [] }));
    const res = await call(srf, invite('7000', { source: '198.51.100.7' }));
    expect(res.sent.map((s) => s.status)).toEqual([403]);
  });

  it('digest challenge for an unknown source; the right credentials get through, wrong ones get 403', async () => {
    const { srf, mrf } = await boot();
    const first = await call(srf, invite('7000', { source: '198.51.100.7' }));
    expect(first.last?.status).toBe(401);
    const challenge = parseAuthParams(first.last!.headers['WWW-Authenticate']!);
    expect(challenge).toMatchObject({ realm: 'switchboard', qop: 'auth', algorithm: 'MD5' });
    const creds = {
      realm: 'switchboard',
      method: 'INVITE',
      uri: 'sip:7000@switchboard.example',
      nonce: challenge.nonce!,
    };
    const bad = await call(
      srf,
      invite('7000', {
        source: '198.51.100.7',
        headers: { Authorization: digestResponse({ ...creds, username: 'alice', password: 'nope' }) },
      }),
    );
    expect(bad.sent.map((s) => s.status)).toEqual([403]);
    const good = await call(
      srf,
      invite('7000', {
        source: '198.51.100.7',
        headers: { Authorization: digestResponse({ ...creds, username: 'alice', password: 'alice-pass' }) },
      }),
    );
    expect(good.sent.map((s) => s.status)).toEqual([200]);
    expect(channel(mrf).conn.lines[2]).toContain('|start|');
  });

  it('503 when no media server is up', async () => {
    const srf = new FakeSrf();
    const mrf = new FakeMrf();
    mrf.down = new Set(['fs1:8021', 'fs2:8021']);
    running = await startDrachtioTelephony({ config: testConfig(), log, clock: new ManualClock(), srf, mrf });
    await settle();
    const res = await call(srf, invite('7000'));
    expect(res.sent.map((s) => s.status)).toEqual([503]);
    expect(running.readiness().ready).toBe(false);
  });

  it('a call from the PBX we register to reaches the default profile even on an unrouted extension', async () => {
    const { srf, mrf } = await boot();
    const res = await call(srf, invite('7001', { source: '192.0.2.10' }));
    expect(res.sent.map((s) => s.status)).toEqual([200]);
    expect(channel(mrf).conn.lines[2]).toContain('"profile":"receptionist"');
  });
});
