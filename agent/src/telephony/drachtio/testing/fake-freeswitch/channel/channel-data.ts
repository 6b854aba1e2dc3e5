/**
 * The channel headers FreeSWITCH puts on events: switch_channel_event_set_basic_data (states,
 * Unique-ID, Answer-State, Hangup-Cause, codecs), switch_caller_profile_event_set_data ("Caller-*",
 * and "Channel-*" on CHANNEL_DATA), and "variable_*" for the event types that carry variables.
 */
import type { FsEventName } from '../esl/event-names.js';
import type { FsEvent } from '../esl/fs-event.js';

export type CallState = 'DOWN' | 'RINGING' | 'EARLY' | 'ACTIVE' | 'HANGUP';
export type ChannelStateName =
  | 'CS_NEW'
  | 'CS_INIT'
  | 'CS_ROUTING'
  | 'CS_EXECUTE'
  | 'CS_PARK'
  | 'CS_HANGUP'
  | 'CS_REPORTING'
  | 'CS_DESTROY';

const STATE_NUMBER: Record<ChannelStateName, number> = {
  CS_NEW: 0,
  CS_INIT: 1,
  CS_ROUTING: 2,
  CS_EXECUTE: 4,
  CS_PARK: 7,
  CS_HANGUP: 10,
  CS_REPORTING: 11,
  CS_DESTROY: 12,
};

/** What an event needs to know about the channel. */
export interface ChannelView {
  uuid: string;
  name: string;
  state: ChannelStateName;
  callState: CallState;
  answered: boolean;
  hungUp: boolean;
  hangupCause: string | undefined;
  codec: { name: string; rate: number } | undefined;
  profile: CallerProfile;
  variables: ReadonlyMap<string, string>;
}

export interface CallerProfile {
  username: string;
  callerIdName: string;
  callerIdNumber: string;
  networkAddr: string;
  destinationNumber: string;
  context: string;
  createdMicros: number;
  answeredMicros: number;
}

/** switch_channel_event_set_extended_data: which events carry the channel variables. */
const WITH_VARIABLES = new Set<FsEventName>([
  'CHANNEL_CREATE',
  'CHANNEL_ORIGINATE',
  'CHANNEL_UUID',
  'CHANNEL_ANSWER',
  'CHANNEL_PARK',
  'CHANNEL_UNPARK',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'REQUEST_PARAMS',
  'CHANNEL_DATA',
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_DESTROY',
  'SESSION_HEARTBEAT',
  'API',
  'RECORD_START',
  'RECORD_STOP',
  'PLAYBACK_START',
  'PLAYBACK_STOP',
  'CALL_UPDATE',
  'MEDIA_BUG_START',
  'MEDIA_BUG_STOP',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  'CUSTOM',
]);

export function addCallerProfile(e: FsEvent, prefix: string, c: ChannelView): void {
  const p = c.profile;
  e.add(`${prefix}-Direction`, 'inbound');
  e.add(`${prefix}-Logical-Direction`, 'inbound');
  e.add(`${prefix}-Username`, p.username);
  e.add(`${prefix}-Dialplan`, 'XML');
  e.add(`${prefix}-Caller-ID-Name`, p.callerIdName);
  e.add(`${prefix}-Caller-ID-Number`, p.callerIdNumber);
  e.add(`${prefix}-Orig-Caller-ID-Name`, p.callerIdName);
  e.add(`${prefix}-Orig-Caller-ID-Number`, p.callerIdNumber);
  e.add(`${prefix}-Network-Addr`, p.networkAddr);
  e.add(`${prefix}-ANI`, p.callerIdNumber);
  e.add(`${prefix}-Destination-Number`, p.destinationNumber);
  e.add(`${prefix}-Unique-ID`, c.uuid);
  e.add(`${prefix}-Source`, 'mod_sofia');
  e.add(`${prefix}-Context`, p.context);
  e.add(`${prefix}-Channel-Name`, c.name);
  e.add(`${prefix}-Profile-Index`, '1');
  e.add(`${prefix}-Profile-Created-Time`, p.createdMicros);
  e.add(`${prefix}-Channel-Created-Time`, p.createdMicros);
  e.add(`${prefix}-Channel-Answered-Time`, p.answeredMicros);
  e.add(`${prefix}-Channel-Hangup-Time`, '0');
}

/** switch_channel_event_set_data(channel, event). */
export function addChannelData(e: FsEvent, c: ChannelView): void {
  e.add('Channel-State', c.state);
  e.add('Channel-Call-State', c.callState);
  e.add('Channel-State-Number', STATE_NUMBER[c.state]);
  e.add('Channel-Name', c.name);
  e.add('Unique-ID', c.uuid);
  e.add('Call-Direction', 'inbound');
  e.add('Presence-Call-Direction', 'inbound');
  e.add('Channel-HIT-Dialplan', 'true');
  e.add('Channel-Call-UUID', c.uuid);
  e.add('Answer-State', c.hungUp ? 'hangup' : c.answered ? 'answered' : 'ringing');
  if (c.hangupCause) e.add('Hangup-Cause', c.hangupCause);
  if (c.codec) {
    e.add('Channel-Read-Codec-Name', c.codec.name);
    e.add('Channel-Read-Codec-Rate', c.codec.rate);
    e.add('Channel-Read-Codec-Bit-Rate', 64000);
    e.add('Channel-Write-Codec-Name', c.codec.name);
    e.add('Channel-Write-Codec-Rate', c.codec.rate);
    e.add('Channel-Write-Codec-Bit-Rate', 64000);
  }
  addCallerProfile(e, 'Caller', c);
  if (!WITH_VARIABLES.has(e.name)) return;
  for (const [k, v] of c.variables) e.add(`variable_${k}`, v);
}
