/**
 * End to end through the fork: malformed input on a second connection is closed with the right
 * close code while a well-behaved call (the FreeSWITCH-like fork client) keeps going; connections
 * without valid credentials get 401 and never become calls.
 */
import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ForkClient } from '../../src/testing/fork-client.js';
import {
  e2eProfiles,
  FORK_PASSWORD,
  FORK_TOKEN,
  FORK_USER,
  llmMessages,
  startE2e,
  until,
  type E2e,
} from '../../src/testing/e2e-harness.js';

let h: E2e;
let c: ForkClient;

beforeAll(async () => {
  h = await startE2e({
    profiles: e2eProfiles({ greeting: 'Hi, test desk.' }),
    script: { openai: { firstTokenMs: 20, fallback: { text: 'Noted.' }, replies: [] } },
  });
  c = await h.call({ callId: 'e2e-good-call' });
  await c.waitFor(() => c.heardMs() > 300, 10_000, 'greeting');
});
afterAll(async () => {
  await h?.stop();
});

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** A raw fork connection; resolves with the close code and reason after sending `frames`. */
function rawCall(frames: (string | Buffer)[]): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(h.agent.forkUrl, 'audio.drachtio.org', {
      headers: { authorization: basic(FORK_USER, FORK_PASSWORD) },
    });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('malformed connection was not closed within 5 s'));
    }, 5000);
    ws.on('open', () => {
      for (const f of frames) ws.send(f, { binary: typeof f !== 'string' });
    });
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString() });
    });
    ws.on('error', () => undefined);
  });
}

/** Attempt an upgrade; resolves with the HTTP status of a refusal, or 101 when it was accepted. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'audio.drachtio.org', { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close(1000);
    });
    ws.on('error', () => undefined);
  });
}

const meta = (callId: string) => JSON.stringify({ callId, from: 'x', to: '7000', sampleRate: 8000 });

/** The good call still works: DTMF goes through to the LLM. */
async function goodCallStillWorks(digit: string): Promise<void> {
  const before = h.fakes.openai.requests.length;
  c.sendDtmf(digit);
  c.sendDtmf('#');
  await h.fakes.openai.waitForRequests(before + 1, 10_000);
  expect(llmMessages(h.fakes.openai.requests.at(-1)!.body).at(-1)!.content).toBe(`[DTMF] ${digit}#`);
}

describe('e2e over the fork: malformed input and authentication', () => {
  it.each([
    { name: 'audio before metadata', frames: [Buffer.alloc(320)], code: 1008, callId: undefined },
    { name: 'metadata that is not JSON', frames: ['{not json'], code: 1007, callId: undefined },
    {
      name: 'metadata without a callId',
      frames: [JSON.stringify({ sampleRate: 8000 })],
      code: 1008,
      callId: undefined,
    },
    {
      name: 'an unsupported sample rate',
      frames: [JSON.stringify({ callId: 'bad-rate', sampleRate: 44100 })],
      code: 1008,
      callId: undefined,
    },
    {
      name: 'bad JSON after the metadata',
      frames: [meta('bad-json'), 'garbage{'],
      code: 1007,
      callId: 'bad-json',
    },
    {
      name: 'an odd byte count',
      frames: [meta('bad-odd'), Buffer.alloc(321)],
      code: 1007,
      callId: 'bad-odd',
    },
    {
      name: 'an unknown message type',
      frames: [meta('bad-type'), JSON.stringify({ type: 'launchMissiles' })],
      code: 1008,
      callId: 'bad-type',
    },
    {
      name: 'an oversize frame',
      frames: [meta('bad-size'), Buffer.alloc(40_000)],
      code: 1009,
      callId: 'bad-size',
    },
  ] as const)('$name: closed with $code, the other call goes on', async ({ frames, code, callId }) => {
    const closed = await rawCall([...frames]);
    expect(closed.code).toBe(code);
    expect(closed.reason.length).toBeGreaterThan(0);
    if (callId) {
      // It had become a call: its record is finished with the protocol error.
      const row = await h.waitForEnd(callId);
      expect(row.end_reason).toBe('protocol_error');
    }
    expect(h.agent.activeCalls()).toBe(1);
    await goodCallStillWorks(String(frames.length % 10));
  });

  it('no credentials, a wrong password or a wrong token: 401, no call', async () => {
    const calls = h.agent.activeCalls();
    expect(await upgradeStatus(h.agent.forkUrl)).toBe(401);
    expect(await upgradeStatus(h.agent.forkUrl, { authorization: basic(FORK_USER, 'wrong-password') })).toBe(
      401,
    );
    expect(await upgradeStatus(`${h.agent.forkUrl}?token=not-the-token-000000`)).toBe(401);
    // The right token in the URL is accepted (what mod_audio_fork can do without Basic auth).
    expect(await upgradeStatus(`${h.agent.forkUrl}?token=${FORK_TOKEN}`)).toBe(101);
    await until(() => h.agent.activeCalls() === calls, 5000);
    expect(h.agent.activeCalls()).toBe(calls);
  });
});
