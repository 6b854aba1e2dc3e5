/**
 * Embedded gateway only (the drachtio path leaves early dialogs to drachtio-server): a softphone user
 * who hangs up while the callee still rings — a BYE to the 180's tag, as some phones send instead of
 * CANCEL — gets 200 for the BYE and 487 for the INVITE, and the ringing phone is CANCELled.
 * SIP on 127.0.0.1:16602, phones on 127.0.4.x.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startE2e, type E2e } from '../../src/testing/e2e-harness.js';
import { ScriptedAgent } from './scripted-agent.js';
import { header, statusOf, TestPhone, type PhoneDialog } from './test-phone.js';

const ALICE = { username: 'alice', password: 'alice-long-secret' };
const BOB = { username: 'bob', password: 'bob-long-secret-1' };
const SIP = { address: '127.0.0.1', port: 16602 };
let e2e: E2e;
const phones: TestPhone[] = [];

beforeAll(async () => {
  e2e = await startE2e({
    profiles: {
      profiles: [{ name: 'receptionist', systemPrompt: 'You answer the phone.', routes: ['7000'] }],
      users: [ALICE, BOB],
    },
    createCall: new ScriptedAgent().factory,
    sip: { port: SIP.port, rtpPorts: '17900-17999' },
  });
}, 60_000);
afterAll(async () => {
  for (const p of phones) p.close();
  await e2e?.stop();
});

it('a BYE in the early dialog of a call to a ringing softphone: 200, 487 for the INVITE, CANCEL to the callee', async () => {
  const alice = await TestPhone.open('127.0.4.1');
  const bob = await TestPhone.open('127.0.4.2');
  phones.push(alice, bob);
  expect(statusOf((await alice.register(SIP, 'alice', ALICE.password)).final)).toBe(200);

  const placed = bob.invite(SIP, 'alice', { auth: BOB, fromUser: 'bob' });
  const ring = await alice.request('INVITE', 0, 8000);
  expect(ring, 'INVITE at alice').toBeDefined();
  alice.respond(ring!, 180, 'Ringing', [`Contact: ${alice.contact}`]);
  const ringing = await bob.next((m) => statusOf(m.text) === 180, 0, 5000);
  expect(ringing, '180 relayed to bob').toBeDefined();

  const early: PhoneDialog = {
    callId: header(ringing!.text, 'Call-ID')!,
    localTag: /tag=([^;\s]+)/.exec(header(ringing!.text, 'From')!)![1]!,
    from: header(ringing!.text, 'From')!,
    to: header(ringing!.text, 'To')!,
    remoteTarget: /<([^>]+)>/.exec(header(ringing!.text, 'Contact')!)![1]!,
    routes: [],
    cseq: Number(/^CSeq:\s*(\d+)/im.exec(ringing!.text)![1]),
  };
  expect(early.to).toMatch(/;tag=/);
  const bye = await bob.inDialog(early, 'BYE');
  expect(statusOf(bye), bye).toBe(200);
  const call = await placed;
  expect(call.status, call.response).toBe(487);
  expect(await alice.request('CANCEL', 0, 5000), 'CANCEL at alice').toBeDefined();
});
