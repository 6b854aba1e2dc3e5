/**
 * A FreeSWITCH event as switch_event_t keeps it: ordered headers (looked up case-insensitively, a
 * header added twice replaces the first, as events created with EF_UNIQ_HEADERS do) and an optional
 * body. newEvent() adds what switch_event_prep_for_delivery() puts on every event.
 */
import type { FsEventName } from './event-names.js';

export class FsEvent {
  readonly headers: Array<[string, string]> = [];
  body: string | undefined;

  constructor(
    readonly name: FsEventName,
    readonly subclass?: string,
  ) {}

  /** Add (or replace) a header at the bottom, like switch_event_add_header_string with unique headers. */
  add(name: string, value: string | number): this {
    const v = String(value);
    const i = this.index(name);
    if (i >= 0) this.headers[i]![1] = v;
    else this.headers.push([name, v]);
    return this;
  }

  get(name: string): string | undefined {
    const i = this.index(name);
    return i >= 0 ? this.headers[i]![1] : undefined;
  }

  has(name: string): boolean {
    return this.index(name) >= 0;
  }

  private index(name: string): number {
    const lower = name.toLowerCase();
    return this.headers.findIndex(([n]) => n.toLowerCase() === lower);
  }
}

/** Who "this FreeSWITCH" is: the headers every event carries. */
export interface FsCore {
  readonly coreUuid: string;
  readonly hostname: string;
  readonly ipv4: string;
  readonly ipv6: string;
  /** Next Event-Sequence number (switch_event.c EVENT_SEQUENCE_NR, starts at 1). */
  nextSequence(): number;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** "%Y-%m-%d %T" in local time. */
export function localDate(d: Date): string {
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/**
 * A new event with the delivery headers (Event-Name, Core-UUID, hostname, addresses, dates, calling
 * location, sequence), then Event-Subclass for CUSTOM events, as switch_event_create_subclass does.
 */
export function newEvent(
  core: FsCore,
  name: FsEventName,
  subclass?: string,
  where: { file: string; func: string; line: number } = { file: 'switch_event.c', func: 'fire', line: 1 },
  now: Date = new Date(),
): FsEvent {
  const e = new FsEvent(name, subclass);
  e.add('Event-Name', name);
  e.add('Core-UUID', core.coreUuid);
  e.add('FreeSWITCH-Hostname', core.hostname);
  e.add('FreeSWITCH-Switchname', core.hostname);
  e.add('FreeSWITCH-IPv4', core.ipv4);
  e.add('FreeSWITCH-IPv6', core.ipv6);
  e.add('Event-Date-Local', localDate(now));
  e.add('Event-Date-GMT', now.toUTCString());
  e.add('Event-Date-Timestamp', String(now.getTime() * 1000));
  e.add('Event-Calling-File', where.file);
  e.add('Event-Calling-Function', where.func);
  e.add('Event-Calling-Line-Number', where.line);
  e.add('Event-Sequence', core.nextSequence());
  if (subclass) e.add('Event-Subclass', subclass);
  return e;
}
