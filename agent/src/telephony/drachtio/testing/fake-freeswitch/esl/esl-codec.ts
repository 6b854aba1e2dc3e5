/**
 * The event socket wire format, both ways, as a pure codec (no sockets):
 * - client → FreeSWITCH: a command line, optional "Name: value" lines, a blank line, and a body of
 *   Content-Length bytes (mod_event_socket.c read_packet);
 * - FreeSWITCH → client: auth/request, command/reply (Reply-Text), api/response with a body,
 *   text/event-plain (headers URL-encoded by switch_url_encode) or text/event-json events,
 *   text/disconnect-notice and text/rude-rejection (mod_event_socket.c, switch_event.c).
 */
import { FsEvent } from './fs-event.js';

export type EventFormat = 'plain' | 'json' | 'xml';

/** SWITCH_URL_UNSAFE from switch_utils.h. */
const URL_UNSAFE = '\r\n #%&+:;<=>?@[\\]^`{|}"';
const HEX = '0123456789ABCDEF';

/**
 * switch_url_encode (no double encoding): bytes below space or above '~' and the unsafe set become
 * %XX, except a '%' already followed by two upper-case hex digits, which is kept as it is.
 */
export function fsUrlEncode(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const ch = String.fromCharCode(b);
    const escapedAlready =
      ch === '%' &&
      i + 2 < bytes.length &&
      HEX.includes(String.fromCharCode(bytes[i + 1]!)) &&
      HEX.includes(String.fromCharCode(bytes[i + 2]!));
    if (!escapedAlready && (b < 0x20 || b > 0x7e || URL_UNSAFE.includes(ch))) {
      out += '%' + HEX[b >> 4] + HEX[b & 0x0f];
    } else out += ch;
  }
  return out;
}

/** switch_event_serialize(event, &str, SWITCH_TRUE): what text/event-plain bodies and uuid_dump contain. */
export function serializePlain(event: FsEvent): string {
  let s = '';
  for (const [name, value] of event.headers) {
    const enc = fsUrlEncode(value);
    s += `${name}: ${enc === '' ? '_undef_' : enc}\n`;
  }
  const blen = event.body === undefined ? 0 : Buffer.byteLength(event.body);
  if (blen > 0) s += `Content-Length: ${blen}\n\n${event.body}`;
  else s += '\n';
  return s;
}

/** switch_event_serialize_json: every header a string, then Content-Length and _body when there is a body. */
export function serializeJson(event: FsEvent): string {
  const obj: Record<string, string> = {};
  for (const [name, value] of event.headers) obj[name] = value;
  if (event.body !== undefined) {
    obj['Content-Length'] = String(Buffer.byteLength(event.body));
    obj._body = event.body;
  }
  return JSON.stringify(obj);
}

function frame(head: string, body?: string): Buffer {
  return Buffer.from(body === undefined ? head : head + body, 'utf8');
}

export const AUTH_REQUEST = 'Content-Type: auth/request\n\n';

/** A command/reply; a reply starting with '~' carries its own header lines (userauth, bgapi). */
export function commandReply(reply: string): Buffer {
  if (reply.startsWith('~')) return frame(`Content-Type: command/reply\n${reply.slice(1)}`);
  return frame(`Content-Type: command/reply\nReply-Text: ${reply}\n\n`);
}

/** api_exec: an empty reply becomes "-ERR no reply\n". */
export function apiResponse(reply: string): Buffer {
  const body = reply === '' ? '-ERR no reply\n' : reply;
  return frame(`Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n`, body);
}

export function eventFrame(event: FsEvent, format: Exclude<EventFormat, 'xml'>): Buffer {
  const body = format === 'json' ? serializeJson(event) : serializePlain(event);
  return frame(`Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-${format}\n\n`, body);
}

export const GOODBYE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

/** send_disconnect(): with a controlled session it names it and says disposition "disconnect". */
export function disconnectNotice(message: string, sessionUuid?: string): Buffer {
  const len = Buffer.byteLength(message);
  const head = sessionUuid
    ? `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${sessionUuid}\n` +
      `Content-Disposition: disconnect\nContent-Length: ${len}\n\n`
    : `Content-Type: text/disconnect-notice\nContent-Length: ${len}\n\n`;
  return frame(head, message);
}

/** The notice a lingering outbound socket gets when its channel hangs up. */
export function lingerNotice(sessionUuid: string, channelName: string, lingerSeconds: number): Buffer {
  return frame(
    `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${sessionUuid}\n` +
      `Content-Disposition: linger\nChannel-Name: ${channelName}\nLinger-Time: ${lingerSeconds}\n` +
      'Content-Length: 0\n\n',
  );
}

export function rudeRejection(): Buffer {
  const message = 'Access Denied, go away.\n';
  return frame(`Content-Type: text/rude-rejection\nContent-Length: ${message.length}\n\n`, message);
}

/** One command from a client: the command line, its header lines (raw values) and the body. */
export interface EslCommand {
  line: string;
  headers: Array<[string, string]>;
  body?: string;
}

export function commandHeader(cmd: EslCommand, name: string): string | undefined {
  const lower = name.toLowerCase();
  return cmd.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

/** Client side of the codec: what modesl's send()/sendRecv() write. */
export function encodeCommand(line: string, headers: Record<string, string> = {}, body?: string): Buffer {
  let s = `${line}\n`;
  for (const [n, v] of Object.entries(headers)) s += `${n}: ${v}\n`;
  if (body !== undefined) s += `Content-Length: ${Buffer.byteLength(body)}\n`;
  s += '\n';
  return frame(s, body);
}

/**
 * read_packet(): bytes up to two newlines ('\r' ignored, leading blank lines skipped), the first line
 * the command, then "name: value" lines (spaces after the colon skipped, lines without a colon
 * ignored); a content-length header pulls that many body bytes. Content-Length beyond 10 MiB or
 * negative is refused: the caller closes the socket (FreeSWITCH does).
 */
export class EslCommandDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private pending: EslCommand | undefined;
  private bodyLen = 0;
  failed = false;

  push(chunk: Buffer): EslCommand[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: EslCommand[] = [];
    for (;;) {
      if (this.failed) return out;
      if (this.pending) {
        if (this.buf.length < this.bodyLen) return out;
        this.pending.body = this.buf.subarray(0, this.bodyLen).toString('utf8');
        this.buf = this.buf.subarray(this.bodyLen);
        out.push(this.pending);
        this.pending = undefined;
        continue;
      }
      let start = 0;
      while (start < this.buf.length && (this.buf[start] === 0x0a || this.buf[start] === 0x0d)) start++;
      const end = this.headEnd(start);
      if (end < 0) {
        this.buf = this.buf.subarray(start);
        return out;
      }
      const text = this.buf.subarray(start, end).toString('utf8');
      this.buf = this.buf.subarray(end);
      const cmd = this.parseHead(text);
      if (!cmd) continue;
      const clen = commandHeader(cmd, 'content-length');
      const n = clen === undefined ? 0 : Number.parseInt(clen, 10) || 0;
      if (n < 0 || n > 10 * 1024 * 1024) {
        this.failed = true;
        return out;
      }
      if (n > 0) {
        this.pending = cmd;
        this.bodyLen = n;
      } else out.push(cmd);
    }
  }

  /** Index just past the second consecutive '\n' ('\r' does not break the run), or -1. */
  private headEnd(from: number): number {
    let run = 0;
    for (let i = from; i < this.buf.length; i++) {
      const b = this.buf[i];
      if (b === 0x0a) {
        if (++run === 2) return i + 1;
      } else if (b !== 0x0d) run = 0;
    }
    return -1;
  }

  private parseHead(text: string): EslCommand | undefined {
    const lines = text.split('\n').map((l) => l.replace(/\r.*$/, ''));
    const line = lines.shift() ?? '';
    const headers: Array<[string, string]> = [];
    for (const l of lines) {
      const colon = l.indexOf(':');
      if (l === '' || colon < 0) continue;
      headers.push([l.slice(0, colon), l.slice(colon + 1).replace(/^ +/, '')]);
    }
    return { line, headers };
  }
}

/** A frame FreeSWITCH sent: raw header lines and the Content-Length body. */
export interface EslFrame {
  headers: Record<string, string>;
  body: string;
}

/** FreeSWITCH → client frames, split the way modesl's Parser does (tests and fixtures). */
export class EslFrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): EslFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: EslFrame[] = [];
    for (;;) {
      const end = this.buf.indexOf('\n\n');
      if (end < 0) return out;
      const headers: Record<string, string> = {};
      for (const line of this.buf.subarray(0, end).toString('utf8').split('\n')) {
        const i = line.indexOf(': ');
        if (i > 0) headers[line.slice(0, i)] = line.slice(i + 2);
      }
      const len = Number(headers['Content-Length'] ?? 0);
      if (this.buf.length < end + 2 + len) return out;
      const body = this.buf.subarray(end + 2, end + 2 + len).toString('utf8');
      this.buf = this.buf.subarray(end + 2 + len);
      out.push({ headers, body });
    }
  }
}

/** Decode a text/event-plain body back into an event (URL-decoded values), for tests. */
export function parsePlainEvent(text: string): FsEvent {
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const values: Array<[string, string]> = [];
  for (const line of head.split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0) values.push([line.slice(0, i), decodeURIComponent(line.slice(i + 2))]);
  }
  const name = values.find(([n]) => n === 'Event-Name')?.[1] ?? 'CUSTOM';
  const e = new FsEvent(name as FsEvent['name']);
  for (const [n, v] of values) e.add(n, v);
  const clen = e.get('Content-Length');
  if (clen !== undefined && end >= 0) {
    e.body = Buffer.from(text.slice(end + 2), 'utf8')
      .subarray(0, Number(clen))
      .toString('utf8');
  }
  return e;
}
