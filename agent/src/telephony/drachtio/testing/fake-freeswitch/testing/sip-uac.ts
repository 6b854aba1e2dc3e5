/**
 * TEST-ONLY: the SIP side drachtio plays for fsmrf, on the embedded gateway's SIP stack: sends an
 * INVITE to the fake FreeSWITCH, ACKs the 200, answers its BYE, sends BYE. `srf()` exposes exactly
 * the surface fsmrf's MediaServer.createEndpoint uses (createUAC → dialog with remote.sdp,
 * destroy(), a 'destroy' event, a SipError-like rejection with .status), so the REAL MediaServer and
 * Endpoint run on top of it. In the end-to-end tests the real drachtio-srf + fake drachtio-server
 * take this role.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { systemClock } from '../../../../../time/clock.js';
import { createLogger } from '../../../../../log.js';
import { Dialog, dialogIdOf } from '../../../../embedded/sip/dialog.js';
import { SipEndpoint } from '../../../../embedded/sip/endpoint.js';
import { SipHeaders } from '../../../../embedded/sip/headers.js';
import { initialCSeq, newCallId, newTag } from '../../../../embedded/sip/ids.js';
import {
  buildResponse,
  parseCSeq,
  type SipRequest,
  type SipResponse,
} from '../../../../embedded/sip/message.js';
import { DEFAULT_TIMERS } from '../../../../embedded/sip/timers.js';
import { SipTransport, type SipPeer } from '../../../../embedded/sip/transport.js';
import { parseUri } from '../../../../calls/sip-uri.js';

export class SipFailure extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly res: SipResponse,
  ) {
    super(`${status} ${reason}`);
    this.name = 'SipError';
  }
}

export class UacDialog extends EventEmitter {
  readonly remote: { sdp: string };
  readonly local: { sdp: string };
  /** The BYE FreeSWITCH sent, once it did. */
  byeFromPeer: SipRequest | undefined;
  ended = false;

  constructor(
    private readonly uac: TestSipUac,
    readonly dialog: Dialog,
    readonly invite: SipRequest,
    readonly response: SipResponse,
  ) {
    super();
    this.remote = { sdp: response.body };
    this.local = { sdp: invite.body };
  }

  get callId(): string {
    return this.dialog.callId;
  }

  /** Our BYE; resolves with FreeSWITCH's status. */
  destroy(): Promise<number> {
    if (this.ended) return Promise.resolve(0);
    this.ended = true;
    this.uac.forget(this);
    const { req, dest } = this.dialog.createRequest('BYE');
    return new Promise((resolve) => {
      this.uac.endpoint.request(req, dest, (res) => {
        if (res.status >= 200) resolve(res.status);
      });
    });
  }

  /** re-INVITE with a new SDP; resolves with the answer. */
  modify(sdp: string): Promise<string> {
    const { req, dest } = this.dialog.createRequest('INVITE', [['Content-Type', 'application/sdp']], sdp);
    return new Promise((resolve, reject) => {
      this.uac.endpoint.invite(req, dest, (res) => {
        if (res.status < 200) return;
        if (res.status >= 300) return reject(new SipFailure(res.status, res.reason, res));
        const ack = this.dialog.createAck(parseCSeq(req.headers.get('cseq'))?.seq ?? 0);
        this.uac.endpoint.sendAck(ack.req, ack.dest);
        resolve(res.body);
      });
    });
  }

  byeReceived(req: SipRequest): void {
    this.byeFromPeer = req;
    this.ended = true;
    this.emit('destroy', req);
  }
}

export class TestSipUac {
  readonly endpoint: SipEndpoint;
  private readonly dialogs = new Map<string, UacDialog>();
  readonly sent: SipRequest[] = [];
  /** Every dialog established, in order. */
  readonly established: UacDialog[] = [];

  private constructor(private readonly transport: SipTransport) {
    const log = createLogger('silent');
    this.endpoint = new SipEndpoint({
      transport,
      clock: systemClock,
      timers: DEFAULT_TIMERS,
      maxMessageBytes: 65_535,
      advertisedHost: '127.0.0.1',
      log,
    });
    this.endpoint.onRequest = ({ req, tx }) => {
      const id = dialogIdOf(req);
      const d = id ? this.dialogs.get(id) : undefined;
      if (req.method === 'ACK') return;
      if (!d) return tx?.respond(buildResponse(req, 481));
      tx?.respond(buildResponse(req, 200));
      if (req.method === 'BYE') {
        this.forget(d);
        d.byeReceived(req);
      }
    };
  }

  static async start(): Promise<TestSipUac> {
    const transport = new SipTransport({
      host: '127.0.0.1',
      port: 0,
      transports: ['udp'],
      maxMessageBytes: 65_535,
      log: createLogger('silent'),
    });
    await transport.start();
    return new TestSipUac(transport);
  }

  get port(): number {
    return this.transport.localPort('udp');
  }

  forget(d: UacDialog): void {
    this.dialogs.delete(d.dialog.id);
  }

  /** INVITE `uri` (sip:user@ip:port) with these headers and SDP (none: 3PCC). */
  invite(
    uri: string,
    headers: Record<string, string>,
    sdp?: string,
    callId = newCallId('127.0.0.1'),
  ): Promise<UacDialog> {
    const target = parseUri(uri);
    if (!target?.port) throw new Error(`bad target ${uri}`);
    const dest: SipPeer = { transport: 'udp', address: target.host, port: target.port };
    const h = new SipHeaders();
    const contact = `<sip:drachtio@127.0.0.1:${this.port}>`;
    h.append('Max-Forwards', '70');
    h.append('From', `<sip:drachtio@127.0.0.1:${this.port}>;tag=${newTag()}`);
    h.append('To', `<${uri}>`);
    h.append('Call-ID', callId);
    h.append('CSeq', `${initialCSeq()} INVITE`);
    h.append('Contact', contact);
    for (const [n, v] of Object.entries(headers)) h.append(n, v);
    if (sdp) h.append('Content-Type', 'application/sdp');
    const req: SipRequest = { kind: 'request', method: 'INVITE', uri, headers: h, body: sdp ?? '' };
    this.sent.push(req);
    return new Promise((resolve, reject) => {
      let dialog: UacDialog | undefined;
      this.endpoint.invite(req, dest, (res, timedOut) => {
        if (res.status < 200) return;
        if (res.status >= 300 || timedOut) return reject(new SipFailure(res.status, res.reason, res));
        const d = dialog?.dialog ?? Dialog.fromUac(req, res, dest, contact);
        if (!d) return reject(new Error('2xx without a To tag'));
        const ack = d.createAck(parseCSeq(req.headers.get('cseq'))?.seq ?? 0);
        this.endpoint.sendAck(ack.req, ack.dest);
        if (dialog) return; // a retransmitted 200: ACKed again
        dialog = new UacDialog(this, d, req, res);
        this.dialogs.set(d.id, dialog);
        this.established.push(dialog);
        resolve(dialog);
      });
    });
  }

  /** What fsmrf's MediaServer calls on srf: createUAC(uri, {headers, localSdp}). */
  srf(): {
    createUAC(uri: string, opts: { headers?: Record<string, string>; localSdp?: string }): Promise<UacDialog>;
  } {
    return {
      createUAC: (uri, opts) => this.invite(uri, opts.headers ?? {}, opts.localSdp),
    };
  }

  async stop(): Promise<void> {
    this.endpoint.clear();
    await this.transport.stop();
  }
}

export const fsmrfHeaders = (eslOutbound: string): Record<string, string> => ({
  'User-Agent': `drachtio-fsmrf:${randomUUID()}`,
  'X-esl-outbound': eslOutbound,
});
