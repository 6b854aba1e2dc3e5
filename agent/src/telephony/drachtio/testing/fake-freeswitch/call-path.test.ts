/**
 * The outbound ESL + SIP + media + mod_audio_fork path with the REAL drachtio-fsmrf Endpoint (built
 * by the real MediaServer on the real drachtio-modesl Server) against the fake FreeSWITCH; a test
 * UAC plays drachtio's part, RtpCaller the caller's RTP, a ws server the agent's /fork.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeG711, encodeG711 } from '../../../../audio/g711.js';
import { RtpCaller, sine } from './testing/rtp-caller.js';
import { createEndpoint, mrfCall, waitUntil, type MrfCall } from './testing/mrf-call.js';

let call: MrfCall | undefined;
afterEach(async () => {
  await call?.close();
  call = undefined;
});

const meta = { callId: 'call-1', from: '+15550001111', to: '7000', sampleRate: 8000 };

async function startFork(c: MrfCall, o: { auth?: boolean; sampleRate?: number } = {}) {
  const { ep } = c;
  if (o.auth !== false) {
    const user = await ep.api('uuid_setvar', `${ep.uuid} MOD_AUDIO_BASIC_AUTH_USERNAME fork-user`);
    expect(user.getBody()).toBe('+OK\n');
    await ep.api('uuid_setvar', `${ep.uuid} MOD_AUDIO_BASIC_AUTH_PASSWORD s3cret`);
  }
  await ep.forkAudioStart({
    wsUrl: c.fork.url,
    mixType: 'mono',
    sampling: '8000',
    bugname: 'sb',
    metadata: meta,
    bidirectionalAudio: {
      enabled: true,
      streaming: true,
      ...(o.sampleRate !== 0 ? { sampleRate: o.sampleRate ?? 8000 } : {}),
    },
  });
  return c.fork.waitConnection();
}

/** 8 kHz PCM as the bytes of one binary message. */
const le = (pcm: Int16Array): Buffer => Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);

describe('fake FreeSWITCH with the real fsmrf Endpoint', () => {
  it('answers fsmrf INVITE with its own codec preference (greedy) and hands fsmrf the channel data', async () => {
    call = await mrfCall({ offer: ['PCMA', 'PCMU'] });
    const { ep, fs, uac } = call;
    expect(fs.channels.has(ep.uuid)).toBe(true);
    expect(ep.local.sdp).toMatch(/^m=audio \d+ RTP\/AVP 0 101\r$/m); // PCMU although the caller preferred PCMA
    expect(ep.local.sdp).toMatch(/^a=rtpmap:101 telephone-event\/8000\r$/m);
    expect(ep.local.sdp).toMatch(/^o=FreeSWITCH \d+ \d+ IN IP4 127\.0\.0\.1\r$/m);
    expect(ep.remote.sdp).toBe(uac.sent[0]!.body);
    expect(ep.sip.callId).toBe(uac.sent[0]!.headers.get('call-id'));
    expect(ep.dtmfType).toBe('rfc2833');
    expect(ep.local.mediaPort).toBe(/^m=audio (\d+)/m.exec(ep.local.sdp!)![1]);
    const rec = fs.calls[0]!;
    expect(rec.userAgent).toMatch(/^drachtio-fsmrf:[0-9a-f-]{36}$/);
    expect(rec.eslOutbound).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(rec.inviteStatus).toBe(200);
    expect(rec.codec).toBe('PCMU');
  });

  it('fork: +OK first, then a handshake with Host without port and lower-case basic auth, metadata first, 20 ms L16 frames', async () => {
    call = await mrfCall();
    const connected: unknown[] = [];
    call.ep.addCustomEventListener('mod_audio_fork::connect', (body) => connected.push(body));
    const conn = await startFork(call);
    const h = conn.req.headers;
    expect(h.host).toBe('127.0.0.1');
    expect(h['sec-websocket-protocol']).toBe('audio.drachtio.org');
    expect(h.authorization).toBe(`Basic ${Buffer.from('fork-user:s3cret').toString('base64')}`);
    expect(conn.req.rawHeaders).toContain('authorization');
    expect(h.origin).toBe('http://127.0.0.1');
    await waitUntil(() => connected.length === 1, 2000, 'connect event');
    const tone = sine(600, 440, 8000);
    call.caller.play(tone);
    await waitUntil(() => conn.binaries().length >= 60, 4000, '60 frames');
    expect(conn.messages[0]!.text).toBe(JSON.stringify(meta));
    const frames = conn.binaries();
    // 320 bytes per 20 ms; when the socket lags, frames coalesce (seen on the real module too).
    expect(frames.every((m) => m.binary!.length > 0 && m.binary!.length % 320 === 0)).toBe(true);
    expect(frames.filter((m) => m.binary!.length === 320).length).toBeGreaterThan(frames.length * 0.8);
    const gaps = frames
      .slice(1)
      .map((m, i) => m.at - frames[i]!.at)
      .sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThan(12);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThan(28);
    // The caller's tone arrives bit-exact after one G.711 round trip.
    const expected = Buffer.from(decodeG711('PCMU', encodeG711('PCMU', tone.subarray(160, 320))).buffer);
    expect(frames.some((m) => m.binary!.equals(expected))).toBe(true);
  });

  it('a refused fork connection is +OK, then mod_audio_fork::connect_failed', async () => {
    call = await mrfCall();
    const failed: unknown[] = [];
    call.ep.addCustomEventListener('mod_audio_fork::connect_failed', (body) => failed.push(body));
    const port = call.fork.port;
    await call.fork.close();
    await call.ep.forkAudioStart({
      wsUrl: `ws://127.0.0.1:${port}/fork`,
      mixType: 'mono',
      sampling: '8000',
      bugname: 'sb',
      metadata: meta,
      bidirectionalAudio: { enabled: true, streaming: true, sampleRate: 8000 },
    });
    await waitUntil(() => failed.length === 1, 3000, 'connect_failed');
    expect(failed[0]).toEqual({ reason: 'Unable to connect' });
  });

  it('streamed audio sent ahead of real time is buffered and played at real-time rate; a mark after it fires at its end', async () => {
    call = await mrfCall();
    const conn = await startFork(call);
    await waitUntil(() => conn.messages.length > 0);
    const agent = sine(1000, 300, 6000);
    const sentAt = performance.now();
    conn.ws.send(le(agent));
    conn.ws.send(JSON.stringify({ type: 'mark', data: { name: 'end' } }));
    await waitUntil(() => conn.texts().some((t) => t.includes('"end"')), 3000, 'mark end');
    const mark = conn.messages.find((m) => m.text?.includes('"end"'))!;
    expect(mark.text).toBe('{"type": "mark", "data": {"name":"end", "event": "playout"}}');
    expect(mark.at - sentAt).toBeGreaterThan(900);
    const heard = call.caller.audible(sentAt);
    expect(heard.length).toBeGreaterThanOrEqual(48);
    // Sent ahead of real time: it starts at once (14 ms on the real module; bound left loose for a
    // loaded machine) and cannot end before its real duration has passed.
    expect(heard[0]!.at - sentAt).toBeLessThan(400);
    expect(heard[heard.length - 1]!.at - sentAt).toBeGreaterThan(900);
  });

  it('killAudio: audio gone within a frame or two, kill_audio raised, pending mark cleared, and the next mark lost', async () => {
    call = await mrfCall();
    const kills: unknown[] = [];
    call.ep.addCustomEventListener('mod_audio_fork::kill_audio', (b) => kills.push(b));
    const conn = await startFork(call);
    await waitUntil(() => conn.messages.length > 0);
    conn.ws.send(le(sine(2000, 300, 6000)));
    conn.ws.send(JSON.stringify({ type: 'mark', data: { name: 'm1' } }));
    conn.ws.send(le(sine(1000, 300, 6000)));
    await waitUntil(() => call!.caller.audible().length > 10, 3000, 'agent audio at the caller');
    const killAt = performance.now();
    conn.ws.send(JSON.stringify({ type: 'killAudio' }));
    await waitUntil(() => conn.texts().some((t) => t.includes('"m1"')), 2000, 'm1 cleared');
    expect(conn.texts().filter((t) => t.includes('"m1"'))).toEqual([
      '{"type": "mark", "data": {"name":"m1", "event": "cleared"}}',
    ]);
    await waitUntil(() => kills.length === 1, 1000, 'kill_audio event');
    await new Promise((r) => setTimeout(r, 300));
    // 3 s were queued and ~0.2 s played when killAudio went: the rest must never be heard.
    expect(call.caller.audible(killAt + 500)).toHaveLength(0);
    expect(call.caller.audible().length).toBeLessThan(100);
    // New audio plays normally afterwards, but marks are broken for the rest of this fork (§8).
    const again = performance.now();
    conn.ws.send(JSON.stringify({ type: 'mark', data: { name: 'm2' } }));
    conn.ws.send(le(sine(400, 300, 6000)));
    conn.ws.send(JSON.stringify({ type: 'mark', data: { name: 'm3' } }));
    conn.ws.send(le(sine(400, 300, 6000)));
    await waitUntil(() => call!.caller.audible(again).length >= 35, 3000, 'audio after killAudio');
    await new Promise((r) => setTimeout(r, 400));
    const marks = conn.texts().filter((t) => t.includes('"type": "mark"'));
    expect(marks).toEqual([
      '{"type": "mark", "data": {"name":"m1", "event": "cleared"}}',
      '{"type": "mark", "data": {"name":"m2", "event": "playout"}}',
    ]);
  });

  it('DTMF: RFC 4733 from the caller becomes fsmrf dtmf (8 kHz units, source RTP); uuid_send_dtmf reaches the caller', async () => {
    call = await mrfCall();
    const got: Array<{ dtmf: string; duration?: string; source?: string }> = [];
    call.ep.on('dtmf', (d: { dtmf: string; duration?: string; source?: string }) => got.push(d));
    expect(call.caller.sendDtmf('5', 100)).toBe(true);
    await waitUntil(() => got.length === 1, 2000, 'dtmf event');
    expect(got[0]).toEqual({ dtmf: '5', duration: '800', source: 'RTP' });
    const reply = await call.ep.api('uuid_send_dtmf', `${call.ep.uuid} 7@120`);
    expect(reply.getBody()).toBe(`+OK ${call.ep.uuid} sent DTMF 7@120.\n`);
    await waitUntil(() => call!.caller.digits.length === 1, 2000, 'digit at the caller');
    expect(call.caller.digits[0]!.digit).toBe('7');
    expect(call.caller.digits[0]!.durationMs).toBe(120);
    expect(call.fs.calls[0]!.dtmfReceived).toMatchObject([{ digit: '5', duration: 800 }]);
  });

  it('server messages raise mod_audio_fork CUSTOM events with the JSON bodies fsmrf parses; disconnect does not hang up', async () => {
    call = await mrfCall();
    const seen: Record<string, unknown[]> = {};
    for (const name of ['transfer', 'json', 'disconnect', 'error', 'transcription']) {
      seen[name] = [];
      call.ep.addCustomEventListener(`mod_audio_fork::${name}`, (b) => seen[name]!.push(b));
    }
    const conn = await startFork(call);
    await waitUntil(() => conn.messages.length > 0);
    conn.ws.send(JSON.stringify({ type: 'transfer', data: { target: 'sip:100@pbx.example' } }));
    conn.ws.send(JSON.stringify({ type: 'json', data: { action: 'sendDtmf', digits: '12' } }));
    conn.ws.send(JSON.stringify({ note: 'no type at all' }));
    conn.ws.send(JSON.stringify({ type: 'error', data: { code: 7 } }));
    conn.ws.send(JSON.stringify({ type: 'transcription', data: { text: 'hi' } }));
    conn.ws.send(JSON.stringify({ type: 'disconnect', data: { reason: 'done' } }));
    conn.ws.send('not json');
    await waitUntil(() => seen.disconnect!.length === 1, 2000, 'disconnect event');
    expect(seen.transfer).toEqual([{ target: 'sip:100@pbx.example' }]);
    expect(seen.json).toEqual([
      { type: 'json', data: { action: 'sendDtmf', digits: '12' } },
      { note: 'no type at all' },
    ]);
    expect(seen.error).toEqual([{ code: 7 }]);
    expect(seen.transcription).toEqual([{ text: 'hi' }]);
    expect(seen.disconnect).toEqual([{ reason: 'done' }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(call.fs.channels.has(call.ep.uuid)).toBe(true);
    expect(conn.closeInfo).toBeUndefined();
  });

  it('caller hangs up (BYE to FreeSWITCH): fsmrf endpoint destroyed with the cause, fork closed 1000 with no final frame', async () => {
    call = await mrfCall();
    const conn = await startFork(call);
    await waitUntil(() => conn.binaries().length > 3);
    const destroyed: Array<{ reason?: string } | undefined> = [];
    call.ep.on('destroy', (e?: { reason?: string }) => destroyed.push(e));
    const dialog = call.uac.established[0]!;
    const byeAt = performance.now();
    expect(await dialog.destroy()).toBe(200);
    const closed = await conn.closed;
    expect(closed.code).toBe(1000);
    expect(closed.reason).toBe('');
    expect(closed.at - byeAt).toBeLessThan(1000); // ~1 ms on the real module
    const last = conn.messages[conn.messages.length - 1]!;
    expect(last.binary?.length ?? 0).toBeGreaterThan(0);
    await waitUntil(() => destroyed.length === 1, 2000, 'endpoint destroy');
    expect(destroyed[0]).toEqual({ reason: 'NORMAL_CLEARING' });
    expect(call.fs.calls[0]).toMatchObject({ hangupCause: 'NORMAL_CLEARING', hangupBy: 'remote' });
    await waitUntil(() => call!.fs.eslConnections === 1, 2000, 'outbound ESL closed');
  });

  it('Endpoint.destroy(): the hangup app makes FreeSWITCH send BYE with a Q.850 Reason, and the fork closes 1000', async () => {
    call = await mrfCall();
    const conn = await startFork(call);
    await waitUntil(() => conn.binaries().length > 3);
    await call.ep.destroy();
    const bye = call.uac.established[0]!.byeFromPeer!;
    expect(bye.headers.get('reason')).toBe('Q.850;cause=16;text="NORMAL_CLEARING"');
    expect(bye.headers.get('user-agent')).toBe('FreeSWITCH-mod_sofia/1.11.1-release~64bit');
    expect((await conn.closed).code).toBe(1000);
    expect(call.fs.calls[0]).toMatchObject({ hangupCause: 'NORMAL_CLEARING', hangupBy: 'local' });
    expect(call.fs.calls[0]!.apps.map((a) => a.app)).toContain('hangup');
  });

  it('graceful-shutdown sends a zero-length frame and stops the audio; a later stop never closes the socket', async () => {
    call = await mrfCall();
    const conn = await startFork(call);
    await waitUntil(() => conn.binaries().length > 3);
    const r = await call.ep.api('uuid_audio_fork', `${call.ep.uuid} graceful-shutdown sb`);
    expect(r.getBody()).toBe('+OK Success\n');
    await waitUntil(() => conn.binaries().some((m) => m.binary!.length === 0), 2000, 'empty frame');
    const n = conn.binaries().filter((m) => m.binary!.length > 0).length;
    await call.ep.forkAudioStop('sb');
    await new Promise((r2) => setTimeout(r2, 300));
    expect(conn.binaries().filter((m) => m.binary!.length > 0).length).toBe(n);
    expect(conn.closeInfo).toBeUndefined();
  });

  it('stereo fork: caller on the left, what the caller hears (streamed audio) on the right', async () => {
    call = await mrfCall();
    await call.ep.forkAudioStart({
      wsUrl: call.fork.url,
      mixType: 'stereo',
      sampling: '8000',
      bugname: 'st',
      bidirectionalAudio: { enabled: true, streaming: true, sampleRate: 8000 },
    });
    const conn = await call.fork.waitConnection();
    await waitUntil(() => conn.binaries().length > 2);
    call.caller.play(new Int16Array(8000).fill(1111));
    conn.ws.send(le(new Int16Array(8000).fill(-2222)));
    const left = decodeG711('PCMU', encodeG711('PCMU', Int16Array.of(1111)))[0]; // the caller's, after G.711
    await waitUntil(
      () =>
        conn.binaries().some((m) => m.binary!.readInt16LE(0) === left && m.binary!.readInt16LE(2) === -2222),
      3000,
      'both channels in one frame',
    );
    expect(conn.binaries().every((m) => m.binary!.length % 640 === 0)).toBe(true);
  });

  it('playback of a tone (the app apology) plays to the caller and completes; an unknown file is FILE NOT FOUND', async () => {
    call = await mrfCall();
    const t = performance.now();
    const result = (await call.ep.play('tone_stream://%(300,200,480,620);loops=2')) as {
      playbackMilliseconds: string;
    };
    expect(Number(result.playbackMilliseconds)).toBe(1000);
    expect(performance.now() - t).toBeGreaterThan(900);
    const tone = call.caller.audible(t);
    expect(tone.length).toBeGreaterThanOrEqual(25);
    await expect(call.ep.play('/usr/share/sounds/none.wav')).rejects.toThrow('File Not Found');
  });

  it('two calls at once: distinct channels, and each endpoint gets only its own caller DTMF', async () => {
    call = await mrfCall();
    const { ms } = call;
    const callerB = await RtpCaller.open();
    try {
      const epB = await createEndpoint(ms, { remoteSdp: callerB.offer() });
      callerB.answered(epB.local.sdp!);
      expect(epB.uuid).not.toBe(call.ep.uuid);
      const a: string[] = [];
      const b: string[] = [];
      call.ep.on('dtmf', (d: { dtmf: string }) => a.push(d.dtmf));
      epB.on('dtmf', (d: { dtmf: string }) => b.push(d.dtmf));
      call.caller.sendDtmf('1');
      callerB.sendDtmf('2');
      await waitUntil(() => a.length === 1 && b.length === 1, 2000, 'both digits');
      await new Promise((r) => setTimeout(r, 150));
      expect(a).toEqual(['1']);
      expect(b).toEqual(['2']);
      expect(new Set(call.fs.calls.map((c) => c.callId)).size).toBe(2);
    } finally {
      callerB.stop();
    }
  });
});
