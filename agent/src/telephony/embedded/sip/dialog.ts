/**
 * A dialog, UAS (RFC 3261 §12.1.1) or UAC (§12.1.2, for the B2BUA's outgoing legs): identity, remote target, route set and CSeq spaces, and how to
 * build in-dialog requests (BYE, REFER) and where to send them (nat-target.ts).
 */
import { SipHeaders } from './headers.js';
import { initialCSeq } from './ids.js';
import { parseCSeq, type SipRequest, type SipResponse } from './message.js';
import { streamNextHop, udpNextHop } from './nat-target.js';
import type { SipPeer } from './transport.js';
import { defaultSipPort } from './via.js';
import { bareHost, parseNameAddr, parseUri } from '../../calls/sip-uri.js';

export class Dialog {
  private localSeq = initialCSeq();
  remoteSeq: number;

  private constructor(
    readonly callId: string,
    readonly localTag: string,
    readonly remoteTag: string,
    /** Our identity (the INVITE's To, with our tag). */
    readonly local: string,
    /** The caller's identity (the INVITE's From, with their tag). */
    readonly remote: string,
    public remoteTarget: string,
    readonly routeSet: string[],
    readonly flow: SipPeer,
    readonly localContact: string,
  ) {
    this.remoteSeq = 0;
  }

  static fromInvite(
    req: SipRequest,
    localTag: string,
    flow: SipPeer,
    localContact: string,
  ): Dialog | undefined {
    const from = req.headers.get('from') ?? '';
    const remoteTag = /;\s*tag=([^;\s]+)/i.exec(from)?.[1] ?? '';
    const contact = parseNameAddr(req.headers.getAll('contact')[0] ?? '');
    const target = contact ? req.headers.getAll('contact')[0]!.replace(/^[^<]*<([^>]*)>.*$/, '$1') : req.uri;
    const d = new Dialog(
      req.headers.get('call-id') ?? '',
      localTag,
      remoteTag,
      `${req.headers.get('to') ?? ''};tag=${localTag}`,
      from,
      target,
      req.headers.getAll('record-route'),
      flow,
      localContact,
    );
    d.remoteSeq = parseCSeq(req.headers.get('cseq'))?.seq ?? 0;
    return d;
  }

  /**
   * The UAC side of a dialog (RFC 3261 §12.1.2), from the INVITE we sent and its 2xx (or early 1xx with
   * a To tag): route set is the response's Record-Route reversed; requests go over `flow`.
   */
  static fromUac(
    invite: SipRequest,
    res: SipResponse,
    flow: SipPeer,
    localContact: string,
  ): Dialog | undefined {
    const from = invite.headers.get('from') ?? '';
    const to = res.headers.get('to') ?? '';
    const localTag = /;\s*tag=([^;\s]+)/i.exec(from)?.[1];
    const remoteTag = /;\s*tag=([^;\s]+)/i.exec(to)?.[1];
    if (!localTag || !remoteTag) return undefined;
    const contact = res.headers.getAll('contact')[0];
    const target = contact ? contact.replace(/^[^<]*<([^>]*)>.*$/, '$1') : invite.uri;
    const d = new Dialog(
      invite.headers.get('call-id') ?? '',
      localTag,
      remoteTag,
      from,
      to,
      target,
      res.headers.getAll('record-route').reverse(),
      flow,
      localContact,
    );
    d.localSeq = parseCSeq(invite.headers.get('cseq'))?.seq ?? d.localSeq;
    return d;
  }

  /** ACK for a 2xx to the INVITE with this CSeq number (RFC 3261 §13.2.2.4); the CSeq is not advanced. */
  createAck(inviteSeq: number, body = '', contentType?: string): { req: SipRequest; dest: SipPeer } {
    const { req, dest } = this.createRequest('ACK', contentType ? [['Content-Type', contentType]] : [], body);
    this.localSeq--;
    req.headers.set('CSeq', `${inviteSeq} ACK`);
    return { req, dest };
  }

  get id(): string {
    return dialogId(this.callId, this.localTag, this.remoteTag);
  }

  /** Accept an in-dialog request's CSeq: must grow (RFC 3261 §12.2.2); ACK and CANCEL reuse theirs. */
  acceptRemoteCSeq(req: SipRequest): boolean {
    const seq = parseCSeq(req.headers.get('cseq'))?.seq ?? 0;
    if (req.method === 'ACK' || req.method === 'CANCEL') return true;
    if (seq <= this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }

  /** A new in-dialog request and its next hop (the route set's first entry, else the remote target). */
  createRequest(
    method: string,
    extra: Array<[string, string]> = [],
    body = '',
  ): { req: SipRequest; dest: SipPeer } {
    const headers = new SipHeaders();
    for (const r of this.routeSet) headers.append('Route', r);
    headers.append('Max-Forwards', '70');
    headers.append('From', this.local);
    headers.append('To', this.remote);
    headers.append('Call-ID', this.callId);
    headers.append('CSeq', `${++this.localSeq} ${method}`);
    headers.append('Contact', this.localContact);
    for (const [n, v] of extra) headers.append(n, v);
    return { req: { kind: 'request', method, uri: this.remoteTarget, headers, body }, dest: this.nextHop() };
  }

  private nextHop(): SipPeer {
    const { transport } = this.flow;
    if (transport === 'ws' || transport === 'wss') return this.flow; // the connection only (RFC 7118 §5)
    const first = this.routeSet[0];
    const uri = parseUri(first ? first.replace(/^[^<]*<([^>]*)>.*$/, '$1') : this.remoteTarget);
    const target = uri
      ? { host: bareHost(uri.host), port: uri.port ?? defaultSipPort(transport) }
      : undefined;
    return transport === 'udp' ? udpNextHop(this.flow, target) : streamNextHop(this.flow, target);
  }
}

export function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

/** Dialog id of an incoming in-dialog request: our tag is in To, theirs in From. */
export function dialogIdOf(req: SipRequest): string | undefined {
  const toTag = /;\s*tag=([^;\s]+)/i.exec(req.headers.get('to') ?? '')?.[1];
  const fromTag = /;\s*tag=([^;\s]+)/i.exec(req.headers.get('from') ?? '')?.[1] ?? '';
  return toTag ? dialogId(req.headers.get('call-id') ?? '', toTag, fromTag) : undefined;
}
