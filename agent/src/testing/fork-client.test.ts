/**
 * The test fork client against the real fork server (agent/src/fork), with espeak-ng speech as the
 * caller: what a FreeSWITCH-fed call looks like to the conversation engine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rms } from '../audio/pcm.js';
import { readWavFile } from '../audio/wav.js';
import type { CallChannel, CallEvent, CallHandler } from '../conversation/call-channel.js';
import { ForkServer } from '../fork/fork-server.js';
import { createLogger } from '../log.js';
import { ForkClient } from './fork-client.js';

const log = createLogger('silent');
const creds = { username: 'fs', password: 'pw', token: 'tok' };
let dir: string;
let speechWav: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fork-client-'));
  const raw = join(dir, 'raw.wav');
  speechWav = join(dir, 'speech-8k.wav');
  execFileSync('espeak-ng', ['-w', raw, 'Hello, I would like to check my order status please.']);
  execFileSync('sox', [raw, '-r', '8000', '-b', '16', '-c', '1', speechWav]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface FakeCall {
  channel: CallChannel;
  frames: { at: number; pcm: Int16Array }[];
  events: { at: number; event: CallEvent }[];
  closedWith?: string;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(): Promise<{ url: string; calls: FakeCall[] }> {
  const calls: FakeCall[] = [];
  const fork = new ForkServer({
    credentials: creds,
    log,
    createCall: (channel): CallHandler => {
      const call: FakeCall = { channel, frames: [], events: [] };
      calls.push(call);
      return {
        onAudio: (pcm) => call.frames.push({ at: performance.now(), pcm: pcm.slice() }),
        onEvent: (event) => call.events.push({ at: performance.now(), event }),
        close: async (reason) => {
          call.closedWith = reason;
        },
      };
    },
  });
  const http: Server = createServer();
  http.on('upgrade', (req, socket, head) => {
    if (!fork.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => {
    void fork.close();
    http.closeAllConnections();
    return new Promise((r) => http.close(() => r(undefined)));
  });
  return { url: `ws://127.0.0.1:${(http.address() as { port: number }).port}/fork`, calls };
}

async function connect(url: string, extra: Partial<Parameters<typeof ForkClient.connect>[0]> = {}) {
  const client = await ForkClient.connect({
    url,
    ...creds,
    callId: 'fc-1',
    from: '+15551230000',
    to: '7000',
    ...extra,
  });
  cleanups.push(() => client.hangup());
  return client;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (pred: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
};

describe('ForkClient (mod_audio_fork stand-in) against the real fork server', () => {
  it('streams a speech WAV as real-time 20 ms frames, bit-exact, after the metadata', async () => {
    const server = await startServer();
    const client = await connect(server.url, { profile: 'support' });
    const wav = await readWavFile(speechWav);
    const t0 = performance.now();
    await client.playWav(speechWav, { trailingSilenceMs: 100 });
    const took = performance.now() - t0;
    const durationMs = (wav.samples.length / 8000) * 1000;
    expect(took).toBeGreaterThan(durationMs - 120);
    expect(took).toBeLessThan(durationMs + 500);
    await until(() => server.calls[0]!.frames.length >= client.framesSent);
    const call = server.calls[0]!;
    expect(call.channel.metadata).toMatchObject({
      callId: 'fc-1',
      from: '+15551230000',
      to: '7000',
      profile: 'support',
      sampleRate: 8000,
    });
    expect(call.frames.every((f) => f.pcm.length === 160)).toBe(true);
    const all = new Int16Array(call.frames.flatMap((f) => [...f.pcm]));
    const start = all.findIndex((s) => s !== 0);
    const firstSpeech = wav.samples.findIndex((s) => s !== 0);
    expect(all.subarray(start, start + 4000)).toEqual(wav.samples.subarray(firstSpeech, firstSpeech + 4000));
    expect(rms(all)).toBeGreaterThan(300);
  });

  it('records what the caller heard, paced; marks play out; killAudio cuts it and clears marks', async () => {
    const server = await startServer();
    const client = await connect(server.url);
    await until(() => server.calls.length === 1);
    const call = server.calls[0]!;
    const wav = await readWavFile(speechWav);
    const sentAt = performance.now();
    call.channel.sendAudio(wav.samples.subarray(0, 8000));
    call.channel.mark('first-second');
    call.channel.sendAudio(wav.samples.subarray(8000, 24000));
    call.channel.mark('never');
    await until(() => call.events.some((e) => e.event.type === 'mark'), 3000);
    const markAt = call.events.find((e) => e.event.type === 'mark')!;
    expect(markAt.event).toEqual({ type: 'mark', name: 'first-second', event: 'playout' });
    // Played on the first 20 ms tick after it arrived (no prebuffering).
    expect(client.heard[0]!.at - client.firstAgentAudioAt!).toBeLessThan(30);
    expect(client.heard[0]!.at - sentAt).toBeLessThan(150);
    expect(markAt.at - client.heard[0]!.at).toBeGreaterThan(980 - 100);
    expect(markAt.at - client.heard[0]!.at).toBeLessThan(980 + 250);
    await sleep(300);
    call.channel.killAudio();
    const killAt = performance.now();
    await until(() => call.events.filter((e) => e.event.type === 'mark').length === 2);
    expect(call.events.map((e) => e.event).filter((e) => e.type === 'mark')[1]).toEqual({
      type: 'mark',
      name: 'never',
      event: 'cleared',
    });
    await sleep(200);
    const lastHeard = client.heard[client.heard.length - 1]!.at;
    expect(lastHeard - killAt).toBeLessThan(100);
    expect(client.heardMs()).toBeGreaterThan(1100);
    expect(client.heardMs()).toBeLessThan(2000);
    const heard = client.heardPcm();
    // The fork server replaces -1 samples with 0 (in-band mark sentinels, research §8).
    expect(heard.subarray(0, 8000)).toEqual(wav.samples.subarray(0, 8000).map((s) => (s === -1 ? 0 : s)));
    expect(client.commands.map((c) => c.value.type)).toEqual(['mark', 'mark', 'killAudio']);
  });

  it('DTMF and hangup notices; caller hangup closes with 1000', async () => {
    const server = await startServer();
    const client = await connect(server.url);
    await until(() => server.calls.length === 1);
    client.sendDtmf('7', 120);
    await until(() => server.calls[0]!.events.length === 1);
    expect(server.calls[0]!.events[0]!.event).toEqual({ type: 'dtmf', digit: '7', durationMs: 120 });
    const closed = await client.hangup('caller');
    expect(closed.code).toBe(1000);
    await until(() => server.calls[0]!.closedWith !== undefined);
    expect(server.calls[0]!.closedWith).toBe('caller_hangup');
  });

  it('agent hangup after a goodbye: the goodbye plays out, then the client closes', async () => {
    const server = await startServer();
    const client = await connect(server.url);
    await until(() => server.calls.length === 1);
    const call = server.calls[0]!;
    call.channel.sendAudio(new Int16Array(2400).fill(2000));
    call.channel.transfer('sip:desk@example.com');
    call.channel.hangup('agent_hangup');
    expect((await client.closed).code).toBe(1000);
    expect(client.hangupRequests).toEqual([]);
    await until(() => client.hangupRequests.length === 1, 2000);
    expect(client.transfers.map((t) => t.value)).toEqual(['sip:desk@example.com']);
    expect(client.hangupRequests.map((h) => h.value)).toEqual(['agent_hangup']);
    expect(client.heardMs()).toBe(300);
  });

  it('refuses bad credentials with ForkConnectError', async () => {
    const server = await startServer();
    await expect(
      ForkClient.connect({ url: server.url, username: 'fs', password: 'wrong', callId: 'x' }),
    ).rejects.toMatchObject({
      code: 'fork_connect_failed',
    });
  });
});
