/**
 * TEST-ONLY: drachtio-server's admin wire protocol as pure functions, read from drachtio-server's
 * src/client.cpp, sip-dialog-controller.cpp and drachtio.h (SipMsgData_t::toMessageFormat) at 9c2dd4c,
 * and from what drachtio-srf 5.0.29 (lib/wire-protocol.js, lib/drachtio-agent.js) parses.
 *
 * Framing both ways: `<byte length>#<message>`. A message is a leader of `|`-separated tokens, then
 * optionally CRLF and a SIP message. Client → server: `<msgId>|<type>|…`. Server → client:
 * `<uuid>|response|<msgId>|OK|…` for replies, `<uuid>|sip|<meta>|<txnId>|<dialogId>|…\r\n<SIP>` for SIP.
 */
import { randomUUID } from 'node:crypto';

const CRLF = '\r\n';

/** Splits a TCP byte stream into messages; throws on a malformed length (drachtio drops the client). */
export class FrameReader {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: string[] = [];
    for (;;) {
      const hash = this.buf.indexOf('#');
      if (hash < 0) {
        if (this.buf.length > 6) throw new Error('invalid message length specifier');
        return out;
      }
      const digits = this.buf.toString('latin1', 0, hash);
      // drachtio-server reads at most 5 digits before '#' (Client::readMessageLength).
      if (!/^\d{1,5}$/.test(digits)) throw new Error('invalid message length specifier');
      const len = Number(digits);
      if (len <= 0) throw new Error('invalid message length specifier');
      if (this.buf.length < hash + 1 + len) return out;
      out.push(this.buf.toString('utf8', hash + 1, hash + 1 + len));
      this.buf = this.buf.subarray(hash + 1 + len);
    }
  }
}

export function frame(message: string): string {
  return `${Buffer.byteLength(message, 'utf8')}#${message}`;
}

export interface ClientMessage {
  msgId: string;
  type: string;
  /** Leader tokens after msgId and type. */
  args: string[];
  /** The SIP message after the leader's CRLF ('' when none). */
  sip: string;
}

export function parseClientMessage(text: string): ClientMessage {
  const cr = text.indexOf(CRLF);
  const leader = cr < 0 ? text : text.slice(0, cr);
  const tokens = leader.split('|');
  return {
    msgId: tokens[0] ?? '',
    type: tokens[1] ?? '',
    args: tokens.slice(2),
    sip: cr < 0 ? '' : text.slice(cr + 2),
  };
}

/** SipMsgData_t: where a message came from or went to, as drachtio prints it. */
export interface SipMeta {
  source: 'network' | 'application';
  bytes: number;
  protocol: 'udp' | 'tcp';
  address: string;
  port: number;
}

/** `HH:MM:SS.uuuuuu` (UTC), like SipMsgData_t's time. */
export function stackTime(now = Date.now()): string {
  const d = new Date(now);
  const two = (n: number): string => String(n).padStart(2, '0');
  const micros = String(d.getUTCMilliseconds() * 1000).padStart(6, '0');
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${micros}`;
}

function metaFormat(m: SipMeta): string {
  return `${m.source}|${m.bytes}|${m.protocol}|${m.address}|${m.port}|${stackTime()}`;
}

export function newId(): string {
  return randomUUID();
}

/** BaseClient::createResponseMsg: `<uuid>|response|<msgId>|OK[|reason]` or `…|NO|reason`. */
export function apiReply(msgId: string, ok: boolean, reason?: string): string {
  return `${newId()}|response|${msgId}|${ok ? 'OK' : 'NO'}${reason !== undefined ? `|${reason}` : ''}`;
}

/** route_api_response with NOK (sip requests the stack could not send). */
export function apiFailure(msgId: string, reason: string): string {
  return `${newId()}|response|${msgId}|NOK|${reason}`;
}

/** The reply to a request the app asked us to send: `…|OK|<meta>|<txnId>|Msg sent:|\r\n<as sent>`. */
export function requestSentReply(msgId: string, meta: SipMeta, txnId: string, sent: string): string {
  return `${newId()}|response|${msgId}|OK|${metaFormat(meta)}|${txnId}|Msg sent:|${CRLF}${sent}`;
}

/** The reply to a response the app asked us to send: `…|OK|<meta>|<txnId>|<dialogId>||Msg sent:|\r\n…`. */
export function responseSentReply(
  msgId: string,
  meta: SipMeta,
  txnId: string,
  dialogId: string,
  sent: string,
): string {
  return `${newId()}|response|${msgId}|OK|${metaFormat(meta)}|${txnId}|${dialogId}||Msg sent:|${CRLF}${sent}`;
}

/**
 * A SIP message for the app. New requests (outside a dialog) carry the address they arrived on
 * (BaseClient::sendSipMessageToClient, 3-argument form); everything else carries the dialog id.
 */
export function sipToClient(
  meta: SipMeta,
  txnId: string,
  raw: string,
  where: { dialogId: string } | { receivedOn: { address: string; port: number } },
): string {
  const tail =
    'dialogId' in where ? `${where.dialogId}|` : `|${where.receivedOn.address}|${where.receivedOn.port}|`;
  return `${newId()}|sip|${metaFormat(meta)}|${txnId}|${tail}${CRLF}${raw}`;
}
