import { describe, expect, it } from 'vitest';
import { EventSubscription } from './event-subscription.js';
import { FsEvent } from './fs-event.js';

function ev(
  name: ConstructorParameters<typeof FsEvent>[0],
  headers: Record<string, string> = {},
  subclass?: string,
): FsEvent {
  const e = new FsEvent(name, subclass);
  e.add('Event-Name', name);
  if (subclass) e.add('Event-Subclass', subclass);
  for (const [k, v] of Object.entries(headers)) e.add(k, v);
  return e;
}

describe('event socket subscriptions (mod_event_socket.c parse_command / event_handler)', () => {
  it("fsmrf's Endpoint subscription: after CUSTOM every word is a subclass, and SWITCH_EVENT_ names count", () => {
    const s = new EventSubscription();
    expect(
      s.event(
        'json CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE DTMF SWITCH_EVENT_PLAYBACK_START CUSTOM conference::maintenance BACKGROUND_JOB',
      ),
    ).toBe('+OK event listener enabled json');
    expect(s.format).toBe('json');
    expect(s.wants(ev('PLAYBACK_START'))).toBe(true);
    expect(s.wants(ev('CUSTOM', {}, 'conference::maintenance'))).toBe(true);
    expect(s.wants(ev('CUSTOM', {}, 'mod_audio_fork::connect'))).toBe(false);
    // BACKGROUND_JOB came after CUSTOM: it was taken as a subclass name, not an event type.
    expect(s.wants(ev('BACKGROUND_JOB'))).toBe(false);
    s.event('CUSTOM mod_audio_fork::connect BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE');
    expect(s.wants(ev('CUSTOM', {}, 'mod_audio_fork::connect'))).toBe(true);
  });

  it('filters: any matching allow filter passes, a deny filter wins, events without the header are dropped', () => {
    const s = new EventSubscription();
    s.event('plain ALL');
    expect(s.filter('Unique-ID u-1')).toBe('+OK filter added. [Unique-ID]=[u-1]');
    expect(s.wants(ev('DTMF', { 'Unique-ID': 'u-1' }))).toBe(true);
    expect(s.wants(ev('DTMF', { 'Unique-ID': 'u-2' }))).toBe(false);
    expect(s.wants(ev('HEARTBEAT'))).toBe(false);
    s.filter('Event-Name /^CHANNEL_/');
    expect(s.wants(ev('CHANNEL_ANSWER', { 'Unique-ID': 'u-9' }))).toBe(true);
    s.filter('DTMF-Digit -5');
    expect(s.wants(ev('DTMF', { 'Unique-ID': 'u-1', 'DTMF-Digit': '5' }))).toBe(false);
    expect(s.filter('delete all')).toBe('+OK filter deleted. [all][(null)]');
    expect(s.wants(ev('HEARTBEAT'))).toBe(true);
  });

  it('myevents keeps one channel, nixevent removes, noevents stops, no keywords is an error', () => {
    const s = new EventSubscription();
    expect(s.event('json')).toBe('-ERR no keywords supplied');
    expect(s.myevents('u-1')).toBe('+OK Events Enabled');
    expect(s.myevents('u-1')).toBe('-ERR aready enabled.');
    expect(s.wants(ev('CHANNEL_HANGUP', { 'Unique-ID': 'u-1' }))).toBe(true);
    expect(s.wants(ev('CHANNEL_HANGUP', { 'Unique-ID': 'u-2' }))).toBe(false);
    expect(s.wants(ev('HEARTBEAT'))).toBe(false);
    expect(s.nixevent('CHANNEL_HANGUP')).toBe('+OK events nixed');
    expect(s.wants(ev('CHANNEL_HANGUP', { 'Unique-ID': 'u-1' }))).toBe(false);
    expect(s.noevents()).toBe('+OK no longer listening for events');
    expect(s.noevents()).toBe('-ERR not listening for events');
  });
});
