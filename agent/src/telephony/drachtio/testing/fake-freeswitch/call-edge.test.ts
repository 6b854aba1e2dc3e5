/**
 * Refusals, limits and defects of the media server, seen through the REAL drachtio-fsmrf:
 * 488 with no common codec, 503 while shutting down (ESL still up) or at max sessions, 404 for an
 * INVITE the mrf dialplan does not route, 3PCC + modify (uuid_dump), the fork without a playback
 * rate, a 16 kHz stream on an 8 kHz call, and the URL that crashes FreeSWITCH.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeFreeswitch, type FakeFreeswitchHandle } from './index.js';
import { connectMrf, createEndpoint, mrfCall, waitUntil, type MrfCall } from './testing/mrf-call.js';
import { RtpCaller, sine } from './testing/rtp-caller.js';
import { fsmrfHeaders, TestSipUac, type SipFailure } from './testing/sip-uac.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(o: Parameters<typeof startFakeFreeswitch>[0] = {}) {
  const fs = await startFakeFreeswitch({ heartbeatIntervalMs: 0, ...o });
  cleanups.push(() => fs.stop());
  const uac = await TestSipUac.start();
  cleanups.push(() => uac.stop());
  const ms = await connectMrf(fs, uac);
  cleanups.push(() => ms.disconnect());
  const caller = await RtpCaller.open();
  cleanups.push(() => caller.stop());
  return { fs, uac, ms, caller };
}

const le = (pcm: Int16Array): Buffer => Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);

function track(call: MrfCall): MrfCall {
  cleanups.push(() => call.close());
  return call;
}

describe('fake FreeSWITCH refusals and limits, through the real fsmrf', () => {
  it('no common codec: 488 Not Acceptable Here reaches fsmrf as the SIP status, nothing left pending', async () => {
    const { fs, ms, caller } = await rig({ codecs: ['PCMU'] });
    const err = (await createEndpoint(ms, { remoteSdp: caller.offer(['PCMA']) }).catch(
      (e: unknown) => e,
    )) as SipFailure;
    expect(err.status).toBe(488);
    expect(err.res.headers.get('reason')).toBe('Q.850;cause=88;text="INCOMPATIBLE_DESTINATION"');
    expect(fs.invites).toMatchObject([{ status: 488 }]);
    expect((ms as unknown as { pendingConnections: Map<string, unknown> }).pendingConnections.size).toBe(0);
    expect(fs.calls[0]).toMatchObject({ hangupCause: 'INCOMPATIBLE_DESTINATION', inviteStatus: 488 });
    expect(fs.eslConnections).toBe(1);
  });

  it('G.722 is not offered by this media server: a G.722-only offer gets 488', async () => {
    const { ms, caller } = await rig();
    const err = (await createEndpoint(ms, { remoteSdp: caller.offer(['G722']) }).catch(
      (e: unknown) => e,
    )) as SipFailure;
    expect(err.status).toBe(488);
  });

  it('shutting down: new INVITEs get 503 while the event socket and the live call stay up', async () => {
    const { fs, ms, caller } = await rig();
    const live = await createEndpoint(ms, { remoteSdp: caller.offer() });
    fs.setShuttingDown();
    const other = await RtpCaller.open();
    cleanups.push(() => other.stop());
    const err = (await createEndpoint(ms, { remoteSdp: other.offer() }).catch(
      (e: unknown) => e,
    )) as SipFailure;
    expect(err.status).toBe(503);
    expect(err.reason).toBe('Maximum Calls In Progress');
    expect(err.res.headers.get('retry-after')).toBe('300');
    expect(await ms.api('status')).toMatch(/^UP /);
    expect((await live.api('uuid_exists', live.uuid)).getBody()).toBe('true');
    fs.setShuttingDown(false);
    const again = await createEndpoint(ms, { remoteSdp: other.offer() });
    expect(again.uuid).not.toBe(live.uuid);
  });

  it('max sessions: the INVITE over the limit gets 503', async () => {
    const { ms, caller } = await rig({ maxSessions: 1 });
    await createEndpoint(ms, { remoteSdp: caller.offer() });
    const err = (await createEndpoint(ms, { remoteSdp: caller.offer() }).catch(
      (e: unknown) => e,
    )) as SipFailure;
    expect(err.status).toBe(503);
  });

  it('an INVITE without the drachtio-fsmrf User-Agent finds no route: 404', async () => {
    const { fs, uac, caller } = await rig();
    const err = (await uac
      .invite(`sip:drachtio@127.0.0.1:${fs.sipPort}`, { 'User-Agent': 'sipp' }, caller.offer())
      .catch((e: unknown) => e)) as SipFailure;
    expect(err.status).toBe(404);
    expect(fs.calls[0]!.hangupCause).toBe('NO_ROUTE_DESTINATION');
  });

  it('the socket app cannot reach X-esl-outbound: answered, then hung up with a BYE', async () => {
    const { fs, uac, caller } = await rig();
    const d = await uac.invite(
      `sip:drachtio@127.0.0.1:${fs.sipPort}`,
      fsmrfHeaders('127.0.0.1:1'),
      caller.offer(),
    );
    await waitUntil(() => d.byeFromPeer !== undefined, 3000, 'BYE');
    expect(fs.calls[0]).toMatchObject({
      inviteStatus: 200,
      hangupCause: 'NORMAL_CLEARING',
      hangupBy: 'local',
    });
  });

  it('3PCC: no SDP gets an offer; Endpoint.modify re-INVITEs and reads the media back with uuid_dump', async () => {
    const { ms, caller } = await rig();
    const ep = await createEndpoint(ms, {});
    expect(ep.local.sdp).toMatch(/^m=audio \d+ RTP\/AVP 0 8 101\r$/m);
    const offer = caller.offer(['PCMA']);
    await (ep as unknown as { modify(sdp: string): Promise<unknown> }).modify(offer);
    expect(ep.remote.sdp).toBe(offer);
    expect(ep.local.sdp).toMatch(/^m=audio \d+ RTP\/AVP 8 101\r$/m);
    expect(ep.remote.mediaPort).toBe(String(caller.port));
  });

  it('uuid_audio_fork misuse: stop without the bug name and a second start with the same name are -ERR', async () => {
    const call = track(await mrfCall());
    const start = {
      wsUrl: call.fork.url,
      mixType: 'mono' as const,
      sampling: '8000',
      bugname: 'sb',
      metadata: { callId: 'x' },
      bidirectionalAudio: { enabled: true, streaming: true, sampleRate: 8000 },
    };
    await call.ep.forkAudioStart(start);
    await expect(call.ep.forkAudioStart(start)).rejects.toThrow('-ERR Operation Failed');
    await expect((call.ep.forkAudioStop as unknown as () => Promise<void>).call(call.ep)).rejects.toThrow(
      '-ERR Operation Failed',
    );
    await call.ep.forkAudioStop('sb');
  });

  it('without bidirectionalAudio.sampleRate (9 tokens on the wire) streamed audio never plays', async () => {
    const call = track(await mrfCall());
    await call.ep.forkAudioStart({
      wsUrl: call.fork.url,
      mixType: 'mono',
      sampling: '8000',
      bugname: 'sb',
      metadata: { callId: 'x' },
      bidirectionalAudio: { enabled: true, streaming: true },
    });
    const conn = await call.fork.waitConnection();
    await waitUntil(() => conn.binaries().length > 2);
    const t = performance.now();
    conn.ws.send(le(sine(800, 300, 6000)));
    await new Promise((r) => setTimeout(r, 600));
    expect(call.caller.audible(t)).toHaveLength(0);
    expect(call.fs.forks()[0]).toMatchObject({
      writeReplace: false,
      bidi: { enabled: true, stream: false, rate: 0 },
    });
    expect(call.fs.forks()[0]!.binaryBytesReceived).toBe(12_800);
  });

  it('a 16 kHz stream on an 8 kHz call is resampled and played over its real duration', async () => {
    const call = track(await mrfCall());
    await call.ep.forkAudioStart({
      wsUrl: call.fork.url,
      mixType: 'mono',
      sampling: '8000',
      bugname: 'sb',
      metadata: { callId: 'x' },
      bidirectionalAudio: { enabled: true, streaming: true, sampleRate: 16000 },
    });
    const conn = await call.fork.waitConnection();
    await waitUntil(() => conn.messages.length > 0);
    const t = performance.now();
    conn.ws.send(le(sine(1000, 300, 6000, 16000)));
    await waitUntil(() => call.caller.audible(t).length >= 45, 3000, '1 s of audio');
    await new Promise((r) => setTimeout(r, 300));
    const heard = call.caller.audible(t);
    expect(heard[heard.length - 1]!.at - t).toBeGreaterThan(880); // 46 frames cannot take less than 900 ms
    // 1024-byte receive chunks: the last 1152 samples (72 ms) never reach the 80 ms threshold and stay stuck.
    expect(heard.length).toBeLessThanOrEqual(47);
  });

  it('a fork URL of 800+ characters crashes FreeSWITCH: no reply, every socket drops, fsmrf loses the server', async () => {
    const call = track(await mrfCall());
    const ended = new Promise<void>((r) => call.ms.once('end', () => r()));
    const reply = call.ep
      .forkAudioStart({
        wsUrl: `${call.fork.url}?${'a'.repeat(800)}`,
        mixType: 'mono',
        sampling: '8000',
        bugname: 'sb',
      })
      .then(
        () => 'ok',
        () => 'err',
      );
    await ended;
    expect(call.fs.crashed?.reason).toMatch(/std::regex/);
    expect(await Promise.race([reply, new Promise((r) => setTimeout(() => r('no reply'), 300))])).toBe(
      'no reply',
    );
    const fsb: FakeFreeswitchHandle = call.fs;
    expect(fsb.channels.size).toBe(0);
    expect(fsb.eslConnections).toBe(0);
  });

  it('an application FreeSWITCH does not have hangs the channel up (DESTINATION_OUT_OF_ORDER)', async () => {
    const call = track(await mrfCall());
    const destroyed = new Promise<unknown>((r) => call.ep.once('destroy', r));
    void call.ep.execute('no_such_app', 'x');
    expect(await destroyed).toEqual({ reason: 'DESTINATION_OUT_OF_ORDER' });
  });

  it('a fork server that selects no subprotocol is still connected to (lws falls back to its own)', async () => {
    const call = track(await mrfCall({ forkServer: { selectProtocol: false } }));
    const connected: unknown[] = [];
    call.ep.addCustomEventListener('mod_audio_fork::connect', (b) => connected.push(b));
    await call.ep.forkAudioStart({ wsUrl: call.fork.url, mixType: 'mono', sampling: '8000', bugname: 'sb' });
    await waitUntil(() => connected.length === 1, 2000, 'connect event');
    expect(connected[0]).toBe('');
  });
});
