/**
 * TEST-ONLY: the one admission / registration / transfer suite both telephony back-ends pass, through
 * their own adapters (embedded gateway; drachtio-srf against the fake drachtio-server). Real SIP over
 * UDP from TestPhones on loopback addresses, a real Kamailio as the PBX we register with, and a scripted
 * agent behind the fork server, so every expectation is about call control, not the conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChallenge } from '../../src/routing/digest.js';
import { startKamailio, type Kamailio } from '../../src/testing/kamailio.js';
import type { BackEnd, RunningBackEnd } from './back-ends.js';
import { digestHeader } from '../../src/telephony/embedded/testing/raw-sip-client.js';
import { ScriptedAgent, until, untilAsync } from './scripted-agent.js';
import { header, headers, statusOf, TestPhone, type PhoneDialog } from './test-phone.js';

const PBX_PASSWORD = 'pbx-extension-password';
const ALICE = { username: 'alice', password: 'alice-long-secret' };
const BOB = { username: 'bob', password: 'bob-long-secret-1' };
const CAROL = { username: 'carol', password: 'carol-long-secret' };
const SALES = 'sip:sales@127.0.0.1:16998';
/** The transfer deadline the suite runs with (production: TRANSFER_OUTCOME_MS). */
const TRANSFER_MS = 2500;

function profiles(b: BackEnd): Record<string, unknown> {
  return {
    defaultProfile: 'receptionist',
    profiles: [
      {
        name: 'receptionist',
        systemPrompt: 'You answer the phone.',
        routes: ['7000'],
        tools: ['end_call', 'transfer_call'],
        transferTargets: [{ name: 'sales', uri: SALES }],
      },
      { name: 'pbx-line', systemPrompt: 'You answer the PBX line.', routes: [] },
    ],
    trunks: [{ name: 'carrier', sources: [`${b.addressBase}.10/32`] }],
    users: [ALICE, BOB, CAROL],
    registrations: [
      {
        registrar: `sip:127.0.0.1:${b.pbxPort}`,
        user: '7001',
        password: PBX_PASSWORD,
        expires: 60,
        keepaliveS: 1,
        profile: 'pbx-line',
      },
    ],
  };
}

export function describeCallControl(b: BackEnd): void {
  describe(`call control through the ${b.name} back-end`, () => {
    const agent = new ScriptedAgent();
    const phones: TestPhone[] = [];
    let pbx: Kamailio;
    let run: RunningBackEnd | undefined;
    const at = (n: number) => `${b.addressBase}.${n}`;
    const phone = async (n: number): Promise<TestPhone> => {
      const p = await TestPhone.open(at(n));
      phones.push(p);
      return p;
    };
    const readiness = async (): Promise<string> =>
      (await run!.e2e.getJson<{ checks: { telephony: { detail: string } } }>('/readyz')).body.checks.telephony
        .detail;

    beforeAll(async () => {
      pbx = await startKamailio({
        port: b.pbxPort,
        user: '7001',
        password: PBX_PASSWORD,
        expires: { minS: 5, maxS: 10 },
      });
      run = await b.start({
        profiles: profiles(b),
        createCall: agent.factory,
        callTimeouts: { transferMs: TRANSFER_MS },
      });
    }, 60_000);
    afterAll(async () => {
      for (const p of phones) p.close();
      await run?.stop();
      await pbx?.stop();
    });

    /** A trunk call to the agent, answered, with the scripted agent's side of it. */
    async function trunkCall() {
      const p = await phone(10);
      const call = await p.invite(run!.sip, '7000');
      expect(call.status, call.response).toBe(200);
      const agentSide = await agent.call(call.callId);
      await until(() => agentSide.channel.metadata.profile === 'receptionist', 1000, 'profile');
      return { p, dialog: call.dialog!, agentSide };
    }

    describe('admission', () => {
      it('a trunk source is admitted without a password and reaches its profile', async () => {
        const { agentSide } = await trunkCall();
        expect(agentSide.channel.metadata).toMatchObject({ to: '7000', profile: 'receptionist' });
      });

      it('anyone else: 401 with WWW-Authenticate (SHA-256, then MD5); the right answer is admitted', async () => {
        const p = await phone(20);
        const call = await p.invite(run!.sip, '7000', { auth: ALICE, fromUser: 'alice' });
        expect(statusOf(call.challenge)).toBe(401);
        expect(header(call.challenge!, 'Proxy-Authenticate')).toBeUndefined();
        const offered = headers(call.challenge!, 'WWW-Authenticate').map((h) => parseChallenge(h));
        expect(offered.map((c) => c?.algorithm)).toEqual(['SHA-256', 'MD5']);
        expect(offered.every((c) => c?.qop?.includes('auth'))).toBe(true);
        expect(call.status, call.response).toBe(200);
        expect((await agent.call(call.callId)).channel.metadata.profile).toBe('receptionist');
      });

      it('a nonce is bound to the address it was issued to: answered from elsewhere, it is challenged again', async () => {
        const issuedTo = await phone(21);
        const first = await issuedTo.invite(run!.sip, '7000');
        expect(first.status).toBe(401);
        const uri = `sip:7000@${run!.sip.address}:${run!.sip.port}`;
        const answer = digestHeader(first.response, { ...ALICE, method: 'INVITE', uri });
        const stolen = await (await phone(22)).invite(run!.sip, '7000', { headers: [answer] });
        expect(stolen.status).toBe(401);
        const own = await issuedTo.invite(run!.sip, '7000', { headers: [answer] });
        expect(own.status, own.response).toBe(200);
      });

      it('wrong passwords lock the source out: 403 without a challenge, even with no credentials', async () => {
        const p = await phone(23);
        for (let i = 0; i < 5; i++) {
          const call = await p.invite(run!.sip, '7000', {
            auth: { ...CAROL, password: 'not-carols-password' },
          });
          expect(call.status).toBe(403);
        }
        const after = await p.invite(run!.sip, '7000');
        expect(after.status).toBe(403);
        expect(header(after.response, 'WWW-Authenticate')).toBeUndefined();
      });

      it('a stranger learns nothing about which numbers exist; a trusted caller gets 404', async () => {
        expect((await (await phone(24)).invite(run!.sip, '9999')).status).toBe(401);
        expect((await (await phone(10)).invite(run!.sip, '9999')).status).toBe(404);
      });
    });

    describe('registration to a PBX', () => {
      let token = '';

      it('registers to the PBX with digest, under a random Contact user', async () => {
        await untilAsync(
          async () => /7001@sip:127\.0\.0\.1:\d+: registered/.test(await readiness()),
          10_000,
        ).catch(async () => {
          throw new Error(`not registered: ${await readiness()}\n${pbx.log().slice(-2000)}`);
        });
        expect(pbx.log()).toMatch(/PBX challenge for 7001/);
        const saved = /PBX saved 7001 expires=\S+ contact=<sip:(7001-[0-9a-f]{32})@/.exec(pbx.log());
        expect(saved, pbx.log().slice(-2000)).not.toBeNull();
        token = saved![1]!;
      });

      it('a call the PBX sends to that Contact reaches the registration profile', async () => {
        const p = await phone(30);
        const call = await p.invite({ address: '127.0.0.1', port: b.pbxPort }, '7001');
        expect(call.status, call.response + pbx.log().slice(-1500)).toBe(200);
        expect((await agent.call(call.callId)).channel.metadata.profile).toBe('pbx-line');
        await p.inDialog(call.dialog!, 'BYE');
      });

      it('keeps the NAT mapping open: OPTIONS to the registrar over UDP while registered', async () => {
        const pings = () => pbx.log().match(/PBX OPTIONS from 127\.0\.0\.1:\d+\n/g)?.length ?? 0;
        const before = pings();
        await until(() => pings() >= before + 2, 5000, 'two keepalives');
      });

      it('the extension number alone, from anyone else, opens nothing', async () => {
        expect((await (await phone(31)).invite(run!.sip, '7001')).status).toBe(401);
      });

      it('refreshes before the granted expiry: same Call-ID, higher CSeq', async () => {
        const saved = () => [
          ...pbx.log().matchAll(/PBX saved 7001 expires=\S+ contact=.* callid=(\S+) cseq=(\d+)/g),
        ];
        const before = saved().length;
        await until(() => saved().length > before, 12_000, 'a refresh');
        const all = saved();
        expect(all.at(-1)![1]).toBe(all[0]![1]);
        expect(Number(all.at(-1)![2])).toBeGreaterThan(Number(all[0]![2]));
        expect(token).not.toBe('');
      }, 20_000);
    });

    describe('the softphone registrar', () => {
      it('REGISTER: 401, then 200 with the contact and its expiry; too brief an expiry gets 423', async () => {
        const alice = await phone(40);
        const brief = await alice.register(run!.sip, 'alice', ALICE.password, { expires: 30 });
        expect(statusOf(brief.final)).toBe(423);
        expect(header(brief.final, 'Min-Expires')).toBe('60');
        const reg = await alice.register(run!.sip, 'alice', ALICE.password);
        expect(statusOf(reg.first)).toBe(401);
        expect(statusOf(reg.final)).toBe(200);
        expect(header(reg.final, 'Contact')).toBe(`<sip:phone@${at(40)}:${alice.port}>;expires=600`);
      });

      it('a wrong password is refused with 403', async () => {
        const p = await phone(41);
        expect(statusOf((await p.register(run!.sip, 'bob', 'not-bobs-password')).final)).toBe(403);
      });

      it('an authenticated user calls a registered one: the INVITE rings at her contact, her answer comes back', async () => {
        const alice = phones.find((p) => p.address === at(40))!;
        const from = alice.received.length;
        const bob = await phone(42);
        const placed = bob.invite(run!.sip, 'alice', { auth: BOB, fromUser: 'bob' });
        const ring = await alice.request('INVITE', from, 8000);
        expect(ring, 'INVITE at alice').toBeDefined();
        alice.respond(
          ring!,
          200,
          'OK',
          [`Contact: ${alice.contact}`, 'Content-Type: application/sdp'],
          'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4002 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n',
        );
        const call = await placed;
        expect(call.status, call.response).toBe(200);
        await bob.inDialog(call.dialog!, 'BYE');
      });
    });

    describe('transfer', () => {
      /** The agent asks for a transfer; the REFER as the caller receives it. */
      async function transferAsked(target: string, referWithinMs = 5000) {
        const c = await trunkCall();
        const from = c.p.received.length;
        c.agentSide.channel.transfer(target);
        const refer = await c.p.request('REFER', from, referWithinMs);
        return { ...c, refer };
      }

      const results = <E extends { type: string }>(events: E[]): E[] =>
        events.filter((e) => e.type === 'transferResult');

      it('a target outside the profile: refused (403), no REFER', async () => {
        const { agentSide, refer } = await transferAsked('sip:mallory@evil.example', 1000);
        expect(refer).toBeUndefined();
        expect(results(agentSide.events)).toMatchObject([{ ok: false, status: 403 }]);
      });

      it('REFER with Refer-To and Referred-By; 202 then NOTIFY 200: the agent hears success, the caller gets BYE', async () => {
        const { p, dialog, agentSide, refer } = await transferAsked(SALES);
        expect(refer, 'REFER at the caller').toBeDefined();
        expect(uriOf(header(refer!.text, 'Refer-To')!)).toBe(SALES);
        expect(header(refer!.text, 'Referred-By')).toMatch(/sip:7000@/);
        const from = p.received.length;
        p.respond(refer!, 202, 'Accepted');
        await notify(p, dialog, 'SIP/2.0 100 Trying', 'active;expires=60');
        expect(results(agentSide.events)).toEqual([]);
        await notify(p, dialog, 'SIP/2.0 200 OK', 'terminated;reason=noresource');
        const bye = await p.request('BYE', from, 5000);
        expect(bye, 'BYE after the transfer').toBeDefined();
        p.respond(bye!, 200, 'OK');
        expect(results(agentSide.events)).toMatchObject([{ ok: true, status: 200 }]);
        await until(() => agentSide.closed, 5000, 'the agent side closed');
        expect(agentSide.events.find((e) => e.type === 'hangup')).toMatchObject({ reason: 'transferred' });
      });

      it('REFER declined: the agent hears the status and the call goes on', async () => {
        const { p, agentSide, refer } = await transferAsked(SALES);
        p.respond(refer!, 603, 'Decline');
        await until(() => results(agentSide.events).length === 1, 5000, 'transfer result');
        expect(results(agentSide.events)).toMatchObject([{ ok: false, status: 603 }]);
        const from = p.received.length;
        agentSide.channel.hangup('agent_hangup');
        const bye = await p.request('BYE', from, 5000);
        expect(bye).toBeDefined();
        p.respond(bye!, 200, 'OK');
      });

      it('accepted but never reported: the agent hears 408 at the one deadline, not before', async () => {
        const { p, agentSide, refer } = await transferAsked(SALES);
        const asked = Date.now();
        p.respond(refer!, 202, 'Accepted');
        const result = await until(() => results(agentSide.events)[0], TRANSFER_MS + 3000, 'transfer result');
        expect(result).toMatchObject({ ok: false, status: 408 });
        expect(result.at - asked).toBeGreaterThanOrEqual(TRANSFER_MS - 200);
      });

      it('the transferee accepts and then hangs up without a final NOTIFY: the call ended transferred', async () => {
        const { p, dialog, agentSide, refer } = await transferAsked(SALES);
        p.respond(refer!, 202, 'Accepted');
        expect(statusOf(await p.inDialog(dialog, 'BYE'))).toBe(200);
        await until(() => agentSide.closed, 5000, 'the agent side closed');
        expect(results(agentSide.events)).toMatchObject([{ ok: true }]);
        expect(agentSide.events.find((e) => e.type === 'hangup')).toMatchObject({ reason: 'transferred' });
      });
    });

    describe('stopping', () => {
      it('un-REGISTERs from the PBX (Expires: 0)', async () => {
        await run!.stop();
        run = undefined;
        expect(pbx.log()).toMatch(/PBX saved 7001 expires=0 /);
      });
    });
  });
}

const uriOf = (v: string): string => /<([^>]*)>/.exec(v)?.[1] ?? v;

/** The transferee's NOTIFY in the REFER's dialog (RFC 3515 §2.4.5). */
async function notify(p: TestPhone, d: PhoneDialog, frag: string, state: string): Promise<void> {
  const res = await p.inDialog(
    d,
    'NOTIFY',
    ['Event: refer', `Subscription-State: ${state}`, 'Content-Type: message/sipfrag'],
    undefined,
    `${frag}\r\n`,
  );
  expect(statusOf(res)).toBe(200);
}
