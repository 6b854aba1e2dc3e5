/**
 * In-dialog relay of an answered user-to-user call: BYE ends both legs; re-INVITEs (hold, resume, ICE
 * restart) are relayed with their SDP untouched and the relayed leg is ACKed here; INFO, OPTIONS,
 * MESSAGE and NOTIFY are relayed and their final status returned. Glare gets 491.
 */
import type { Logger } from '../../log.js';
import type { Dialog } from './sip/dialog.js';
import type { IncomingRequest, SipEndpoint } from './sip/endpoint.js';
import { buildResponse, parseCSeq, type SipRequest, type SipResponse } from './sip/message.js';
import type { InviteServerTransaction } from './sip/server-transaction.js';

export type Leg = 'a' | 'b';

export interface UserCallRelayDeps {
  endpoint: SipEndpoint;
  log: Logger;
  userAgent: string;
  legs: Record<Leg, Dialog>;
  /** One side hung up (the other has been sent a BYE). */
  onBye(reason: string): void;
}

/** Headers copied onto relayed in-dialog requests (besides the body). */
const CARRIED = ['content-type', 'event', 'subscription-state', 'info-package', 'content-disposition'];

export class UserCallRelay {
  private reinviteInFlight = false;
  /** A relayed re-INVITE answered 2xx toward its sender: waiting for the sender's ACK. */
  private awaitingAck: { from: Leg; seq: number; tx: InviteServerTransaction } | undefined;

  constructor(private readonly d: UserCallRelayDeps) {}

  handle(incoming: IncomingRequest, from: Leg): void {
    const { req, tx } = incoming;
    if (req.method === 'ACK') {
      const seq = parseCSeq(req.headers.get('cseq'))?.seq;
      const w = this.awaitingAck;
      if (w && w.from === from && w.seq === seq) {
        w.tx.ack();
        this.awaitingAck = undefined;
      }
      return;
    }
    if (!tx) return;
    const dialog = this.d.legs[from];
    if (!dialog.acceptRemoteCSeq(req)) return tx.respond(this.response(req, from, 500, 'CSeq out of order'));
    if (req.method === 'BYE') {
      tx.respond(this.response(req, from, 200));
      this.d.log.info({ side: from === 'a' ? 'caller' : 'callee' }, 'sip user call: hung up');
      this.bye(other(from));
      this.d.onBye(from === 'a' ? 'caller_hangup' : 'callee_hangup');
      return;
    }
    if (req.method === 'INVITE') return this.relayInvite(req, tx as InviteServerTransaction, from);
    this.relayRequest(req, tx, from);
  }

  /** BYE both legs (shutdown); resolves when both answered or timed out. */
  byeBoth(reason: string): Promise<void> {
    this.d.log.info({ reason }, 'sip user call: sending BYE to both sides');
    return Promise.all([this.bye('a'), this.bye('b')]).then(() => undefined);
  }

  /** BYE one leg (the other is gone). */
  byeOne(leg: Leg): Promise<void> {
    return this.bye(leg);
  }

  private bye(leg: Leg): Promise<void> {
    const { req, dest } = this.d.legs[leg].createRequest('BYE', [['User-Agent', this.d.userAgent]]);
    return new Promise((resolve) => {
      this.d.endpoint.request(req, dest, (res) => {
        if (res.status >= 200) resolve();
      });
    });
  }

  private relayInvite(req: SipRequest, tx: InviteServerTransaction, from: Leg): void {
    if (this.reinviteInFlight || this.awaitingAck) return tx.respond(this.response(req, from, 491));
    this.reinviteInFlight = true;
    const to = this.d.legs[other(from)];
    const out = to.createRequest('INVITE', this.carried(req), req.body);
    const seq = parseCSeq(out.req.headers.get('cseq'))?.seq ?? 0;
    let acked = false;
    this.d.endpoint.invite(out.req, out.dest, (res) => {
      if (res.status < 200) return;
      this.reinviteInFlight = false;
      if (res.status >= 300) return tx.respond(this.relayed(req, from, res));
      const ack = to.createAck(seq);
      this.d.endpoint.sendAck(ack.req, ack.dest); // a retransmitted 2xx is ACKed again
      if (acked) return;
      acked = true;
      const back = this.relayed(req, from, res);
      back.headers.append('Contact', this.d.legs[from].localContact);
      this.awaitingAck = { from, seq: parseCSeq(req.headers.get('cseq'))?.seq ?? 0, tx };
      tx.onAckTimeout = () => (this.awaitingAck = undefined);
      tx.respond(back);
      this.d.log.info({ from }, 'sip user call: re-INVITE relayed');
    });
  }

  private relayRequest(req: SipRequest, tx: NonNullable<IncomingRequest['tx']>, from: Leg): void {
    const out = this.d.legs[other(from)].createRequest(req.method, this.carried(req), req.body);
    this.d.endpoint.request(out.req, out.dest, (res) => {
      if (res.status >= 200) tx.respond(this.relayed(req, from, res));
    });
  }

  private carried(req: SipRequest): Array<[string, string]> {
    const out: Array<[string, string]> = [['User-Agent', this.d.userAgent]];
    for (const name of CARRIED) for (const v of req.headers.getAll(name)) out.push([name, v]);
    return out;
  }

  /** The other side's final response, rebuilt for the sender's transaction (status, reason, body). */
  private relayed(req: SipRequest, from: Leg, res: SipResponse): SipResponse {
    const out = this.response(req, from, res.status, res.reason);
    if (res.body) {
      out.headers.append('Content-Type', res.headers.get('content-type') ?? 'application/sdp');
      out.body = res.body;
    }
    return out;
  }

  private response(req: SipRequest, from: Leg, status: number, reason?: string): SipResponse {
    const res = buildResponse(req, status, {
      toTag: this.d.legs[from].localTag,
      ...(reason ? { reason } : {}),
    });
    res.headers.append('Server', this.d.userAgent);
    return res;
  }
}

function other(leg: Leg): Leg {
  return leg === 'a' ? 'b' : 'a';
}
