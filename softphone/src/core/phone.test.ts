import { describe, expect, it } from 'vitest';
import { CallError } from './call-errors.js';
import { CallHistory, type HistoryStorage } from './call-history.js';
import { Phone, type PhoneEvent } from './phone.js';
import { flush, ManualTimer } from './testing/manual-timer.js';
import { FakeInvitation, FakeSipFactory, type FakeUserAgent } from './testing/sip-fakes.js';
import type { AccountConfig, HistoryEntry } from './types.js';

class MemoryStorage implements HistoryStorage {
  saved: HistoryEntry[][] = [];
  constructor(private initial: unknown = []) {}
  async load(): Promise<unknown> {
    return this.initial;
  }
  async save(entries: HistoryEntry[]): Promise<void> {
    this.saved.push(entries);
    this.initial = entries;
  }
}

const ACCOUNT: AccountConfig = {
  id: 'pbx',
  wsUrl: 'wss://pbx.example.com:7443',
  sipUri: 'sip:100@pbx.example.com',
  password: 'secret',
  iceServers: [],
  dtmfMode: 'rfc4733',
  agentApiUrl: 'http://127.0.0.1:16080',
};

async function setup(account: Partial<AccountConfig> = {}) {
  const factory = new FakeSipFactory();
  const timer = new ManualTimer();
  let wall = 1_700_000_000_000;
  const storage = new MemoryStorage();
  const history = new CallHistory(storage);
  const phone = new Phone({ factory, timer, wallClock: () => wall, history, qualityIntervalMs: 1000 });
  const events: PhoneEvent[] = [];
  phone.events.on((e) => events.push(e));
  phone.addAccount({ ...ACCOUNT, ...account });
  await flush();
  factory.lastRegisterer().accept();
  const ua = factory.uas[0] as FakeUserAgent;
  const ring = (from = 'sip:200@pbx.example.com', name = 'Bob') => {
    const inv = new FakeInvitation(from, name);
    ua.delegate.onInvite?.(inv);
    return inv;
  };
  return { factory, timer, phone, events, storage, history, ua, ring, tick: (ms: number) => (wall += ms) };
}

describe('Phone calls', () => {
  it('dials a normalised number and becomes active on 200', async () => {
    const { factory, phone, ua, events } = await setup();
    expect(ua.settings.authUser).toBe('100');
    expect(ua.settings.iceServers).toEqual([]);
    const call = await phone.dial('pbx', '+1 (555) 010-0200');
    const inv = factory.inviters[0]!;
    expect(inv.target).toBe('sip:+15550100200@pbx.example.com');
    expect(call.state).toBe('dialing');
    // The UI hears about the new line right away, before any SIP response.
    expect(events.at(-1)).toMatchObject({ type: 'call', call: { id: call.id, state: 'dialing' } });
    inv.answered();
    expect(call.state).toBe('active');
  });

  it('incoming call rings (180), answers, and records a completed call in history', async () => {
    const { phone, events, ring, storage, tick } = await setup();
    const inv = ring();
    expect(inv.progressed).toBe(true);
    const incoming = events.find((e) => e.type === 'incoming');
    expect(incoming?.type === 'incoming' && incoming.call.remoteName).toBe('Bob');
    const id = phone.calls()[0]!.id;
    await phone.answer(id);
    expect(phone.call(id).state).toBe('active');
    tick(42_000);
    await phone.call(id).hangup();
    await flush();
    expect(phone.calls()).toHaveLength(0);
    expect(storage.saved.at(-1)).toEqual([
      expect.objectContaining({
        direction: 'incoming',
        remoteUri: 'sip:200@pbx.example.com',
        result: 'completed',
        durationMs: 42_000,
      }),
    ]);
  });

  it('decline sends 486 or 603; an unanswered call the caller cancels is missed', async () => {
    const { phone, ring, history } = await setup();
    const a = ring();
    await phone.call(phone.calls()[0]!.id).decline(603);
    expect(a.rejectedWith).toBe(603);
    const b = ring('sip:300@pbx.example.com');
    b.callerCancelled();
    await flush();
    expect(history.list().map((e) => e.result)).toEqual(['missed', 'declined']);
  });

  it('call waiting: answering the second call holds the first; a third call gets 486', async () => {
    const { phone, ring } = await setup();
    const first = ring('sip:201@pbx.example.com');
    await phone.answer(phone.calls()[0]!.id);
    const second = ring('sip:202@pbx.example.com');
    const [c1, c2] = phone.calls();
    expect(c2!.waiting).toBe(true);
    const answering = phone.answer(c2!.id);
    await flush();
    expect(first.reinvites).toEqual([{ hold: true, delegate: expect.anything() }]);
    expect(second.state).toBe('Initial'); // not answered before the hold is confirmed
    first.answerReinvite(200);
    await answering;
    expect(phone.call(c1!.id).state).toBe('held');
    expect(phone.call(c2!.id).state).toBe('active');
    expect(first.sessionDescriptionHandler?.senderEnabled).toBe(false);
    const third = ring('sip:203@pbx.example.com');
    expect(third.rejectedWith).toBe(486);
    // swap back: resuming the first holds the second
    const swapping = phone.resume(c1!.id);
    await flush();
    second.answerReinvite(200);
    await flush();
    first.answerReinvite(200);
    await swapping;
    expect(phone.calls().map((c) => c.state)).toEqual(['active', 'held']);
  });

  it('a rejected hold re-INVITE leaves the call active and reports hold_rejected', async () => {
    const { phone, factory } = await setup();
    const call = await phone.dial('pbx', '200');
    factory.inviters[0]!.answered();
    const holding = call.hold();
    await flush();
    factory.inviters[0]!.answerReinvite(491);
    await expect(holding).rejects.toMatchObject({ code: 'hold_rejected' });
    expect(call.state).toBe('active');
    expect(factory.inviters[0]!.sessionDescriptionHandlerOptionsReInvite).toEqual({});
  });

  it('a second hold while one is pending is refused (RequestPending guard)', async () => {
    const { phone, factory } = await setup();
    const call = await phone.dial('pbx', '200');
    factory.inviters[0]!.answered();
    const holding = call.hold();
    await expect(call.resume()).rejects.toBeInstanceOf(CallError);
    factory.inviters[0]!.answerReinvite(200);
    await holding;
    expect(call.state).toBe('held');
  });

  it('mute disables the sender tracks and unmute restores them', async () => {
    const { phone, factory } = await setup();
    const call = await phone.dial('pbx', '200');
    factory.inviters[0]!.answered();
    call.setMuted(true);
    expect(factory.inviters[0]!.sessionDescriptionHandler!.senderEnabled).toBe(false);
    expect(call.snapshot().muted).toBe(true);
    call.setMuted(false);
    expect(factory.inviters[0]!.sessionDescriptionHandler!.senderEnabled).toBe(true);
  });

  it('DTMF goes RFC 4733 through the SDH, or SIP INFO per the account setting, and INFO as a fallback', async () => {
    const rfc = await setup();
    const c1 = await rfc.phone.dial('pbx', '200');
    rfc.factory.inviters[0]!.answered();
    await c1.sendDtmf('12#');
    expect(rfc.factory.inviters[0]!.sessionDescriptionHandler!.dtmf).toEqual(['12#']);
    expect(rfc.factory.inviters[0]!.infos).toEqual([]);
    // Keys pressed while earlier tones are still queued in the RTCDTMFSender are queued behind them
    // (insertDTMF replaces its buffer).
    const sdh = rfc.factory.inviters[0]!.sessionDescriptionHandler!;
    sdh.peerConnection = {
      getStats: async () => ({ forEach: () => undefined }),
      getSenders: () => [{ track: null, replaceTrack: async () => undefined, dtmf: { toneBuffer: '2' } }],
    };
    await c1.sendDtmf('#');
    expect(sdh.dtmf).toEqual(['12#', '2#']);
    sdh.peerConnection = undefined;
    rfc.factory.inviters[0]!.sessionDescriptionHandler!.supportsDtmf = false;
    await c1.sendDtmf('5');
    expect(rfc.factory.inviters[0]!.infos).toEqual(['Signal=5\r\nDuration=160']);

    const info = await setup({ dtmfMode: 'info' });
    const c2 = await info.phone.dial('pbx', '200');
    info.factory.inviters[0]!.answered();
    await c2.sendDtmf('9*');
    expect(info.factory.inviters[0]!.infos).toEqual(['Signal=9\r\nDuration=160', 'Signal=*\r\nDuration=160']);
    await expect(c2.sendDtmf('x')).rejects.toMatchObject({ code: 'dtmf_invalid' });
  });

  it('blind transfer waits for the NOTIFY 200 before hanging up, and records "transferred"', async () => {
    const { phone, factory, history } = await setup();
    const call = await phone.dial('pbx', '200');
    const inv = factory.inviters[0]!;
    inv.answered();
    const transferring = phone.blindTransfer(call.id, '300');
    await flush();
    expect(inv.refers[0]!.target).toEqual({ uri: 'sip:300@pbx.example.com' });
    inv.notifyRefer('SIP/2.0 100 Trying');
    await flush();
    expect(inv.byes).toBe(0);
    inv.notifyRefer('SIP/2.0 200 OK');
    await transferring;
    await flush();
    expect(inv.byes).toBe(1);
    expect(history.list()[0]!.result).toBe('transferred');
  });

  it('a failed blind transfer keeps the call', async () => {
    const { phone, factory } = await setup();
    const call = await phone.dial('pbx', '200');
    const inv = factory.inviters[0]!;
    inv.answered();
    const transferring = phone.blindTransfer(call.id, '300');
    await flush();
    inv.notifyRefer('SIP/2.0 486 Busy Here');
    await expect(transferring).rejects.toMatchObject({ code: 'transfer_failed' });
    expect(call.state).toBe('active');
    expect(inv.byes).toBe(0);
  });

  it('attended transfer REFERs the held call to the consultation session (Replaces)', async () => {
    const { phone, factory } = await setup();
    const original = await phone.dial('pbx', '200');
    factory.inviters[0]!.answered();
    const dialing = phone.dial('pbx', '300');
    await flush();
    factory.inviters[0]!.answerReinvite(200);
    const consultation = await dialing;
    factory.inviters[1]!.answered();
    expect(original.state).toBe('held');
    const transferring = phone.attendedTransfer(original.id, consultation.id);
    await flush();
    expect(factory.inviters[0]!.refers[0]!.target).toBe(factory.inviters[1]);
    factory.inviters[0]!.notifyRefer('SIP/2.0 200 OK');
    await transferring;
    expect(factory.inviters[0]!.byes).toBe(1);
  });

  it('attended transfer to a call that is not established is refused', async () => {
    const { phone, factory } = await setup();
    const original = await phone.dial('pbx', '200');
    factory.inviters[0]!.answered();
    const dialing = phone.dial('pbx', '300');
    await flush();
    factory.inviters[0]!.answerReinvite(200);
    const consultation = await dialing;
    expect(() => original.attendedTransfer(consultation)).toThrow(/established/);
  });

  it('busy (486) outgoing call ends as busy; cancelling before answer ends as cancelled', async () => {
    const { phone, factory, history } = await setup();
    await phone.dial('pbx', '200');
    factory.inviters[0]!.rejected(486);
    const c = await phone.dial('pbx', '201');
    await c.hangup();
    await flush();
    expect(factory.inviters[1]!.cancelled).toBe(true);
    expect(history.list().map((e) => e.result)).toEqual(['cancelled', 'busy']);
  });

  it('switches the microphone mid-call with replaceTrack and keeps mute', async () => {
    const factory = new FakeSipFactory();
    const stopped: string[] = [];
    const replaced: string[] = [];
    const phone = new Phone({
      factory,
      timer: new ManualTimer(),
      wallClock: () => 0,
      history: new CallHistory(new MemoryStorage()),
      getAudioTrack: async (id) => ({ kind: 'audio', stop: () => stopped.push(id), id }),
    });
    phone.addAccount(ACCOUNT);
    await flush();
    const call = await phone.dial('pbx', '200');
    const inv = factory.inviters[0]!;
    inv.answered();
    const sender = {
      track: { kind: 'audio', stop: () => stopped.push('old') } as { kind: string; stop(): void } | null,
      replaceTrack: async (t: unknown) => {
        replaced.push((t as { id: string }).id);
        sender.track = t as { kind: string; stop(): void };
      },
    };
    inv.sessionDescriptionHandler!.peerConnection = {
      getStats: async () => new Map(),
      getSenders: () => [sender],
    };
    call.setMuted(true);
    await call.setInputDevice('usb-headset');
    expect(replaced).toEqual(['usb-headset']);
    expect(stopped).toEqual(['old']);
    expect(inv.sessionDescriptionHandler!.senderEnabled).toBe(false);
  });

  it('polls getStats during the call and stops at hangup', async () => {
    const { phone, factory, timer } = await setup();
    const call = await phone.dial('pbx', '200');
    const inv = factory.inviters[0]!;
    inv.answered();
    let polls = 0;
    inv.sessionDescriptionHandler!.peerConnection = {
      getStats: async () => {
        polls++;
        return new Map<string, Record<string, unknown>>([
          ['c', { id: 'c', type: 'codec', mimeType: 'audio/PCMU' }],
          [
            'i',
            {
              id: 'i',
              type: 'inbound-rtp',
              kind: 'audio',
              jitter: 0.012,
              packetsLost: 5,
              packetsReceived: 95,
              codecId: 'c',
            },
          ],
          ['r', { id: 'r', type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.034 }],
        ]);
      },
      getSenders: () => [],
    };
    await timer.advance(1000);
    expect(call.snapshot().quality).toEqual({
      jitterMs: 12,
      packetLossPct: 5,
      rttMs: 34,
      packetsReceived: 95,
      codec: 'PCMU',
    });
    await timer.advance(2000);
    expect(polls).toBe(3);
    await call.hangup();
    await timer.advance(5000);
    expect(polls).toBe(3);
  });

  it('gives the agent events and record URLs from the SIP Call-ID, with the API token', async () => {
    const { phone } = await setup();
    const call = await phone.dial('pbx', 'agent');
    const record = `http://127.0.0.1:16080/api/calls/${encodeURIComponent(call.sipCallId)}`;
    expect(phone.agentEndpoints(call.id)).toEqual({ events: `${record}/events`, record });
    phone.addAccount({ ...ACCOUNT, id: 'tok', agentApiToken: 'secret token/1' });
    const other = await phone.dial('tok', 'agent');
    const rec2 = `http://127.0.0.1:16080/api/calls/${encodeURIComponent(other.sipCallId)}`;
    expect(phone.agentEndpoints(other.id)).toEqual({
      events: `${rec2}/events?token=secret+token%2F1`,
      record: rec2,
      token: 'secret token/1',
    });
  });

  it('updateAccount signs the old settings out and registers with the new ones (same id)', async () => {
    const { phone, factory } = await setup();
    await phone.updateAccount({
      ...ACCOUNT,
      password: 'new-secret',
      iceServers: [{ urls: 'turn:t.example.com', username: 'u', credential: 'c' }],
    });
    await flush();
    expect(factory.registerers[0]!.unregistered).toBe(true);
    const ua = factory.uas.at(-1) as FakeUserAgent;
    expect(ua.settings).toMatchObject({
      password: 'new-secret',
      iceServers: [{ urls: 'turn:t.example.com', username: 'u', credential: 'c' }],
    });
    factory.lastRegisterer().accept();
    expect(phone.registrations()).toEqual([
      expect.objectContaining({ accountId: 'pbx', state: 'registered' }),
    ]);
  });

  it('several accounts register independently; networkResumed re-registers all', async () => {
    const { phone, factory } = await setup();
    phone.addAccount({
      ...ACCOUNT,
      id: 'agent',
      sipUri: 'sip:alice@127.0.0.1',
      wsUrl: 'ws://127.0.0.1:16060',
    });
    await flush();
    expect(phone.registrations().map((r) => [r.accountId, r.state])).toEqual([
      ['pbx', 'registered'],
      ['agent', 'registering'],
    ]);
    factory.lastRegisterer().accept();
    phone.networkResumed();
    expect(factory.registerers).toHaveLength(4);
  });
});

describe('CallHistory', () => {
  it('survives a restart through the storage and drops corrupt entries', async () => {
    const good: HistoryEntry = {
      id: 'x',
      accountId: 'pbx',
      direction: 'outgoing',
      remoteUri: 'sip:1@a',
      startedAt: 1,
      durationMs: 2,
      result: 'completed',
    };
    const storage = new MemoryStorage([good, { id: 3 }, 'junk']);
    const history = new CallHistory(storage);
    expect(await history.load()).toEqual([good]);
    await history.add({ ...good, id: 'y' });
    const reloaded = new CallHistory(storage);
    expect((await reloaded.load()).map((e) => e.id)).toEqual(['y', 'x']);
  });
});
