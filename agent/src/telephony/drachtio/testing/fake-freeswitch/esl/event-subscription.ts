/**
 * What one event socket listener receives, as mod_event_socket.c keeps it: the `event`, `nixevent`,
 * `noevents`, `filter` and `myevents` commands change it; wants() is event_handler()'s decision.
 * Pure: the replies are the exact strings FreeSWITCH writes.
 */
import { nameEvent, type FsEventName } from './event-names.js';
import type { EventFormat } from './esl-codec.js';
import type { FsEvent } from './fs-event.js';

export class EventSubscription {
  format: EventFormat = 'plain';
  /** LFLAG_EVENTS: set by the first event/nixevent/myevents command. */
  enabled = false;
  private readonly types = new Set<FsEventName>();
  private readonly subclasses = new Set<string>();
  private filters: Array<[string, string]> | undefined;
  /** myevents: only events of this channel (Unique-ID), plus background jobs it owns. */
  mySession: string | undefined;

  /** `event [plain|json|xml] TYPE ... [CUSTOM subclass ...]`: adds to what was subscribed before. */
  event(args: string): string {
    const tokens = args.split(' ');
    let keys = 0;
    let custom = false;
    tokens.forEach((cur, count) => {
      if (count === 0 && ['xml', 'plain', 'json'].includes(cur.toLowerCase())) {
        this.format = cur.toLowerCase() as EventFormat;
        return;
      }
      if (custom) {
        this.subclasses.add(cur);
        return;
      }
      const type = nameEvent(cur);
      if (!type) return;
      keys++;
      this.types.add(type);
      if (type === 'CUSTOM') custom = true;
    });
    if (keys === 0) return '-ERR no keywords supplied';
    this.enabled = true;
    return `+OK event listener enabled ${this.format}`;
  }

  nixevent(args: string): string {
    let keys = 0;
    let custom = false;
    for (const cur of args.split(' ')) {
      if (custom) {
        this.subclasses.delete(cur);
        continue;
      }
      const type = nameEvent(cur);
      if (!type) continue;
      keys++;
      if (type === 'CUSTOM') custom = true;
      else if (type === 'ALL') this.types.clear();
      else this.types.delete(type);
    }
    if (keys === 0) return '-ERR no keywords supplied';
    this.enabled = true;
    return '+OK events nixed';
  }

  noevents(): string {
    if (!this.enabled) return '-ERR not listening for events';
    this.enabled = false;
    this.types.clear();
    this.subclasses.clear();
    return '+OK no longer listening for events';
  }

  /** `filter <header> <value>`, `filter add ...`, `filter delete <header> [value]`, `filter delete all`. */
  filter(args: string): string {
    const text = args.replace(/^ +/, '');
    const sp = text.indexOf(' ');
    let name = sp < 0 ? text : text.slice(0, sp);
    let value: string | undefined = sp < 0 ? undefined : text.slice(sp + 1);
    this.filters ??= [];
    if (name.toLowerCase() === 'delete' && value !== undefined) {
      const sp2 = value.indexOf(' ');
      name = sp2 < 0 ? value : value.slice(0, sp2);
      const v = sp2 < 0 ? undefined : value.slice(sp2 + 1);
      if (name.toLowerCase() === 'all') this.filters = [];
      else
        this.filters = this.filters.filter(
          ([n, fv]) => !(n.toLowerCase() === name.toLowerCase() && (v === undefined || fv === v)),
        );
      return `+OK filter deleted. [${name}][${v ?? '(null)'}]`;
    }
    if (value === undefined) return '-ERR invalid syntax';
    if (name.toLowerCase() === 'add') {
      const sp2 = value.indexOf(' ');
      name = sp2 < 0 ? value : value.slice(0, sp2);
      value = sp2 < 0 ? '' : value.slice(sp2 + 1);
    }
    this.filters.push([name, value]);
    return `+OK filter added. [${name}]=[${value}]`;
  }

  /** `myevents` on an outbound socket: the channel's own call events, nothing else. */
  myevents(sessionUuid: string, format?: EventFormat): string {
    if (this.mySession) return '-ERR aready enabled.';
    this.mySession = sessionUuid;
    for (const t of MYEVENTS) this.types.add(t);
    if (format) this.format = format;
    this.enabled = true;
    return '+OK Events Enabled';
  }

  /** event_handler(): subscription, then filters (+ allow, - deny, /regex/), then myevents. */
  wants(event: FsEvent): boolean {
    if (!this.enabled) return false;
    let send =
      this.types.has('ALL') ||
      (this.types.has(event.name) &&
        (event.name !== 'CUSTOM' || !event.subclass || this.subclasses.has(event.subclass)));
    if (send && this.filters && this.filters.length > 0) send = this.passesFilters(event);
    if (send && this.mySession) {
      const uuid = event.get('Unique-ID');
      if (!uuid || uuid !== this.mySession) send = false;
      if (event.get('Job-Owner-UUID') === this.mySession) send = true;
    }
    return send;
  }

  private passesFilters(event: FsEvent): boolean {
    let send = false;
    for (const [name, raw] of this.filters!) {
      const hval = event.get(name);
      if (hval === undefined) continue;
      let pos = true;
      let i = 0;
      for (; i < raw.length; i++) {
        if (raw[i] === '+') pos = true;
        else if (raw[i] === '-') pos = false;
        else if (raw[i] !== ' ') break;
      }
      if (send && pos) continue;
      const compareTo = raw.slice(i);
      const cmp = raw.startsWith('/')
        ? new RegExp(compareTo.replace(/^\/|\/$/g, '')).test(hval)
        : hval.toLowerCase() === compareTo.toLowerCase();
      if (!cmp) continue;
      if (pos) send = true;
      else return false;
    }
    return send;
  }
}

const MYEVENTS: FsEventName[] = [
  'CHANNEL_ANSWER',
  'CHANNEL_APPLICATION',
  'CHANNEL_BRIDGE',
  'CHANNEL_CREATE',
  'CHANNEL_DATA',
  'CHANNEL_DESTROY',
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_ORIGINATE',
  'CHANNEL_UUID',
  'CHANNEL_OUTGOING',
  'CHANNEL_PARK',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_STATE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_UNPARK',
  'DETECTED_SPEECH',
  'DTMF',
  'NOTALK',
  'TALK',
];
