/**
 * One FreeSWITCH channel (an inbound sofia call on the drachtio_mrf profile): variables, states,
 * the events it fires, its media and media bugs, the serial queue of applications sent to it
 * (sendmsg execute, like switch_core_session_queue_private_event), and hangup in FreeSWITCH's order.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../../../time/clock.js';
import type { Logger } from '../../../../../log.js';
import type { FsEventName } from '../esl/event-names.js';
import { newEvent, type FsCore, type FsEvent } from '../esl/fs-event.js';
import type { EslListener, EslSession } from '../esl/esl-listener.js';
import type { AudioForkBug } from '../fork/audio-fork-bug.js';
import type { ChannelMedia } from '../media/channel-media.js';
import { pushBounded, type ChannelRecord } from '../records.js';
import { runApp } from './apps.js';
import {
  addCallerProfile,
  addChannelData,
  type CallerProfile,
  type CallState,
  type ChannelStateName,
  type ChannelView,
} from './channel-data.js';

export interface ChannelHost {
  readonly core: FsCore;
  readonly clock: Clock;
  readonly log: Logger;
  fire(event: FsEvent): void;
  onGone(channel: FsChannel): void;
}

/** The SIP side of the channel. */
export interface SipLeg {
  /** FreeSWITCH hangs up an answered call: BYE with a Reason header. */
  bye(cause: string): void;
  /** Not answered yet: the final response for the INVITE. */
  reject(cause: string): void;
}

/** Cause → SIP status (mod_sofia hangup_cause_to_sip) for the causes the fake produces; others 480. */
export const CAUSE_TO_SIP: Record<string, number> = {
  NORMAL_CLEARING: 480,
  NO_ROUTE_DESTINATION: 404,
  INCOMPATIBLE_DESTINATION: 488,
  DESTINATION_OUT_OF_ORDER: 502,
  ORIGINATOR_CANCEL: 487,
  NORMAL_TEMPORARY_FAILURE: 503,
  RECOVERY_ON_TIMER_EXPIRE: 504,
};

export const CAUSE_CODE: Record<string, number> = {
  NORMAL_CLEARING: 16,
  NO_ROUTE_DESTINATION: 3,
  INCOMPATIBLE_DESTINATION: 88,
  DESTINATION_OUT_OF_ORDER: 27,
  ORIGINATOR_CANCEL: 487,
  NORMAL_TEMPORARY_FAILURE: 41,
  RECOVERY_ON_TIMER_EXPIRE: 102,
  SYSTEM_SHUTDOWN: 701,
  MANAGER_REQUEST: 703,
};

/** switch_channel_callstate_t values. */
const CALLSTATE_NUMBER: Record<CallState, number> = { DOWN: 0, RINGING: 2, EARLY: 3, ACTIVE: 4, HANGUP: 7 };

export class FsChannel implements ChannelView, EslSession {
  readonly uuid = randomUUID();
  readonly variables = new Map<string, string>();
  state: ChannelStateName = 'CS_NEW';
  callState: CallState = 'DOWN';
  answered = false;
  hungUp = false;
  hangupCause: string | undefined;
  codec: { name: string; rate: number } | undefined;
  media: ChannelMedia | undefined;
  /** Media bugs by name (switch_channel_set_private). */
  readonly bugs = new Map<string, AudioForkBug>();
  outbound: EslListener | undefined;
  leg: SipLeg | undefined;
  readonly record: ChannelRecord;
  private apps: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: ChannelHost,
    readonly name: string,
    readonly profile: CallerProfile,
    callId: string,
  ) {
    this.record = {
      uuid: this.uuid,
      callId,
      createdAt: host.clock.now(),
      variables: {},
      apps: [],
      dtmfReceived: [],
      dtmfSent: [],
      forks: [],
      heardSamples: 0,
      rtpIn: 0,
      rtpOut: 0,
    };
  }

  get channelName(): string {
    return this.name;
  }

  get log(): Logger {
    return this.host.log;
  }

  get clock(): Clock {
    return this.host.clock;
  }

  /** Channel variables are looked up case-insensitively, like event headers. */
  private keyOf(name: string): string {
    const lower = name.toLowerCase();
    for (const k of this.variables.keys()) if (k.toLowerCase() === lower) return k;
    return name;
  }

  getVariable(name: string): string | undefined {
    return this.variables.get(this.keyOf(name));
  }

  setVariable(name: string, value: string | undefined): void {
    const key = this.keyOf(name);
    if (value === undefined || value === '') this.variables.delete(key);
    else this.variables.set(key, value);
    this.record.variables = Object.fromEntries(this.variables);
  }

  /** ${name} expansion of an application argument. */
  expand(text: string): string {
    return text.replace(/\$\{([^}]+)\}/g, (_m, n: string) => this.getVariable(n) ?? '');
  }

  event(name: FsEventName, subclass?: string): FsEvent {
    const e = newEvent(this.host.core, name, subclass);
    addChannelData(e, this);
    return e;
  }

  fire(name: FsEventName, extra: Record<string, string | number> = {}, body?: string): void {
    const e = this.event(name);
    for (const [k, v] of Object.entries(extra)) e.add(k, v);
    if (body !== undefined) e.body = body;
    this.host.fire(e);
  }

  /** A CUSTOM event with this channel's data (what mod_audio_fork's responseHandler fires). */
  fireCustom(subclass: string, body?: string): void {
    const e = this.event('CUSTOM', subclass);
    if (body !== undefined) e.body = body;
    this.host.fire(e);
  }

  /** CHANNEL_DATA for the outbound socket's `connect` reply. */
  channelData(): FsEvent {
    const e = newEvent(this.host.core, 'CHANNEL_DATA');
    addCallerProfile(e, 'Channel', this);
    addChannelData(e, this);
    return e;
  }

  setState(state: ChannelStateName): void {
    this.state = state;
    this.fire('CHANNEL_STATE');
  }

  setCallState(next: CallState): void {
    const prev = this.callState;
    if (prev === next) return;
    this.callState = next;
    this.fire('CHANNEL_CALLSTATE', {
      'Original-Channel-Call-State': prev,
      'Channel-Call-State-Number': CALLSTATE_NUMBER[next],
    });
  }

  markAnswered(): void {
    if (this.answered) return;
    this.answered = true;
    this.profile.answeredMicros = Date.now() * 1000;
    this.record.answeredAt = this.host.clock.now();
    this.fire('CHANNEL_ANSWER');
    this.setCallState('ACTIVE');
  }

  /** Received DTMF: clamped to FreeSWITCH's 400…192000 sample range, then the DTMF event. */
  dtmfIn(digit: string, duration: number, source: 'RTP' | 'ENDPOINT' = 'RTP'): void {
    if (this.hungUp) return;
    const d = Math.min(192_000, Math.max(400, duration || 2000));
    pushBounded(this.record.dtmfReceived, { digit, duration: d, at: this.host.clock.now() });
    this.fire('DTMF', { 'DTMF-Digit': digit, 'DTMF-Duration': d, 'DTMF-Source': source });
  }

  /** uuid_send_dtmf: RFC 4733 to the caller (nothing goes out when telephone-event was not negotiated). */
  sendDtmf(digit: string, duration: number, pauseMs: number): void {
    if (this.hungUp) return;
    const sent = this.media?.sendDtmf(digit, duration, pauseMs) ?? false;
    if (sent) pushBounded(this.record.dtmfSent, { digit, duration, at: this.host.clock.now() });
    else this.host.log.warn({ uuid: this.uuid, digit }, 'dtmf not sent: no telephone-event negotiated');
  }

  /** sendmsg call-command execute: queued behind earlier applications; Application-UUID = Event-UUID. */
  execute(app: string, arg: string, appUuid?: string): void {
    this.apps = this.apps.then(() => this.runOne(app, arg, appUuid ?? randomUUID()));
  }

  private async runOne(app: string, rawArg: string, appUuid: string): Promise<void> {
    if (this.hungUp) return;
    const arg = this.expand(rawArg);
    this.setVariable('current_application', app);
    this.setVariable('current_application_data', arg);
    this.setVariable('current_application_response', undefined);
    const result = await runApp(this, app, arg, {
      before: () =>
        this.fire('CHANNEL_EXECUTE', {
          Application: app,
          'Application-Data': arg,
          'Application-UUID': appUuid,
        }),
    });
    if (result === 'invalid') {
      this.host.log.error({ app }, `Invalid Application ${app}`);
      this.hangup('DESTINATION_OUT_OF_ORDER', 'local');
      return;
    }
    const response = this.variables.get('current_application_response') ?? '_none_';
    pushBounded(this.record.apps, { app, arg, response, uuid: appUuid });
    this.fire('CHANNEL_EXECUTE_COMPLETE', {
      Application: app,
      'Application-Data': arg,
      'Application-Response': response,
      'Application-UUID': appUuid,
    });
  }

  /** switch_channel_hangup and what follows it. Idempotent. */
  hangup(cause: string, by: 'remote' | 'local'): void {
    if (this.hungUp) return;
    this.hungUp = true;
    this.hangupCause = cause;
    this.record.hangupCause = cause;
    this.record.hangupBy = by;
    this.record.hangupAt = this.host.clock.now();
    this.setVariable('hangup_cause', cause);
    this.state = 'CS_HANGUP';
    this.setCallState('HANGUP');
    this.fire('CHANNEL_HANGUP', { 'Hangup-Cause': cause });
    if (by === 'local') {
      if (this.answered) this.leg?.bye(cause);
      else this.leg?.reject(cause);
    }
    // Media bugs close with the channel (SWITCH_ABC_TYPE_CLOSE): close 1000, no final text.
    for (const bug of this.bugs.values()) bug.cleanup();
    this.bugs.clear();
    this.syncMediaRecord();
    this.media?.stop();
    this.fire('CHANNEL_HANGUP_COMPLETE', { 'Hangup-Cause': cause });
    this.state = 'CS_DESTROY';
    this.fire('CHANNEL_DESTROY');
    this.outbound?.sessionHungUp();
    this.host.onGone(this);
  }

  /** The process died: no signalling, no events; sockets just close. */
  crash(): void {
    if (this.hungUp) return;
    this.hungUp = true;
    for (const bug of this.bugs.values()) bug.destroy();
    this.syncMediaRecord();
    this.media?.stop();
    this.outbound?.destroy();
  }

  syncMediaRecord(): void {
    const m = this.media;
    if (!m) return;
    const s = m.stats;
    this.record.rtpIn = s.packetsReceived;
    this.record.rtpOut = s.packetsSent;
    this.record.heardSamples = m.heardSamples;
    if (m.firstHeardAt !== undefined) this.record.firstHeardAt = m.firstHeardAt;
  }
}
