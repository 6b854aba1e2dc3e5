/**
 * TEST-ONLY: requests an app asks drachtio-server to send, and the responses routed back to it
 * (SipDialogController::doSendRequestOutsideDialog / doSendRequestInsideDialog / doSendCancelRequest /
 * processResponseOutsideDialog / processResponseInsideDialog):
 * - outside a dialog the stack completes From (+tag), To, Call-ID, CSeq, Max-Forwards and Contact, sends
 *   to the proxy or the Request-URI (IP literals only: this fake resolves no names), and refuses to send
 *   to itself;
 * - inside a dialog (`sip||<dialogId>`) the dialog supplies the identity, CSeq, Request-URI (when the app
 *   wrote `sip:placeholder`) and next hop; an unknown dialog is refused with "unable to find dialog";
 * - every response goes to the app with the transaction id; INVITE responses carry the dialog id, a 2xx
 *   creates the dialog, a non-2xx is ACKed by the stack (the app's ACK for it is refused, as drachtio does);
 * - BYE ends the dialog when its response arrives.
 */
import { Dialog } from '../../../embedded/sip/dialog.js';
import { initialCSeq, newCallId, newTag } from '../../../embedded/sip/ids.js';
import type { InviteClientTransaction } from '../../../embedded/sip/invite-client-transaction.js';
import { parseCSeq, type SipRequest, type SipResponse } from '../../../embedded/sip/message.js';
import type { SipPeer } from '../../../embedded/sip/transport.js';
import { bareHost, parseUri } from '../../../calls/sip-uri.js';
import type { AdminClient } from './admin.js';
import { drachtioDialogId, type HeldDialog, type SipContext } from './context.js';
import { contentTypeFor, copyAppHeaders, tagOf } from './sip-text.js';
import { apiFailure, newId, requestSentReply, sipToClient } from './wire.js';

interface PendingInvite {
  tx: InviteClientTransaction;
  dest: SipPeer;
}

export class AppSide {
  /** App transaction id → the INVITE we sent for it (for CANCEL). */
  private readonly invites = new Map<string, PendingInvite>();

  constructor(private readonly ctx: SipContext) {}

  /** `sip|<txnId>|<dialogId>[|<proxy>]` + a request. */
  appRequest(client: AdminClient, msgId: string, args: string[], req: SipRequest): void {
    const [txnIdArg = '', dialogId = '', proxy = ''] = args;
    const txnId = txnIdArg || newId();
    if (dialogId) return this.inDialog(client, msgId, txnId, dialogId, req);
    if (txnIdArg && req.method === 'CANCEL') return this.cancel(client, msgId, txnIdArg);
    const byCallId = req.headers.get('call-id') && this.ctx.dialogByCallId(req.headers.get('call-id')!);
    if (byCallId) return this.inDialog(client, msgId, txnId, byCallId.id, req);
    this.outOfDialog(client, msgId, txnId, proxy, req);
  }

  private outOfDialog(
    client: AdminClient,
    msgId: string,
    txnId: string,
    proxy: string,
    app: SipRequest,
  ): void {
    const dest = destinationOf(proxy || app.uri);
    if (!dest) return client.send(apiFailure(msgId, `invalid request-uri: ${app.uri}`));
    if (
      dest.address === this.ctx.host &&
      (dest.port === this.ctx.ports.udp || dest.port === this.ctx.ports.tcp)
    )
      return client.send(apiFailure(msgId, 'can not send request to myself'));
    const req: SipRequest = { ...app, headers: app.headers.clone() };
    const h = req.headers;
    h.delete('via');
    const from = h.get('from') ?? this.ctx.contact(dest.transport);
    h.set('From', tagOf(from) ? from : `${from};tag=${newTag()}`);
    if (!h.has('to')) h.set('To', `<${app.uri}>`);
    if (!h.has('call-id')) h.set('Call-ID', newCallId(this.ctx.host));
    if (!parseCSeq(h.get('cseq'))) h.set('CSeq', `${initialCSeq()} ${req.method}`);
    if (!h.has('max-forwards')) h.set('Max-Forwards', '70');
    if ((req.method === 'INVITE' || req.method === 'SUBSCRIBE') && !h.has('contact'))
      h.set('Contact', this.ctx.contact(dest.transport));
    const ct = contentTypeFor(req.body, h.get('content-type'));
    if (ct) h.set('Content-Type', ct);
    const dialogId = drachtioDialogId(h.get('call-id')!, tagOf(h.get('from')) ?? '');
    const onResponse = (res: SipResponse): void => this.uacResponse(client, txnId, req, dest, res, dialogId);
    if (req.method === 'INVITE') {
      const tx = this.ctx.endpoint.invite(req, dest, onResponse);
      this.invites.set(txnId, { tx, dest });
    } else {
      this.ctx.endpoint.request(req, dest, onResponse);
    }
    const raw = this.ctx.raw(req);
    client.send(requestSentReply(msgId, this.ctx.appMeta(dest.transport, raw), txnId, raw));
  }

  private uacResponse(
    client: AdminClient,
    txnId: string,
    invite: SipRequest,
    dest: SipPeer,
    res: SipResponse,
    dialogId: string,
  ): void {
    const isInvite = invite.method === 'INVITE';
    if (isInvite && res.status >= 200) this.invites.delete(txnId);
    if (isInvite && res.status >= 200 && res.status < 300) {
      const existing = this.ctx.dialogById(dialogId);
      if (existing?.ack) {
        // a retransmitted 2xx: the stack re-sends its ACK (drachtio's timer D handler), the app is not told
        this.ctx.endpoint.sendAck(cloneRequest(existing.ack.req), existing.ack.dest);
        return;
      }
      if (!existing) {
        const dialog = Dialog.fromUac(invite, res, dest, this.ctx.contact(dest.transport));
        if (dialog) {
          const held: HeldDialog = {
            id: dialogId,
            role: 'uac',
            dialog,
            client,
            inviteSeq: parseCSeq(invite.headers.get('cseq'))?.seq ?? 1,
          };
          this.ctx.addDialog(held);
        }
      }
    }
    const raw = this.ctx.raw(res);
    if (client.open)
      client.send(
        sipToClient(this.ctx.networkMeta(dest, raw), txnId, raw, { dialogId: isInvite ? dialogId : '' }),
      );
  }

  private cancel(client: AdminClient, msgId: string, txnId: string): void {
    const pending = this.invites.get(txnId);
    if (!pending) return client.send(apiFailure(msgId, `unable to cancel unknown transaction id: ${txnId}`));
    const cancel = this.ctx.endpoint.cancel(pending.tx, pending.dest);
    const raw = this.ctx.raw(cancel.request);
    client.send(requestSentReply(msgId, this.ctx.appMeta(pending.dest.transport, raw), newId(), raw));
  }

  private inDialog(
    client: AdminClient,
    msgId: string,
    txnId: string,
    dialogId: string,
    app: SipRequest,
  ): void {
    const held = this.ctx.dialogById(dialogId);
    if (!held) {
      const reason =
        app.method === 'ACK'
          ? 'ACK for non-success final response is automatically generated by server'
          : 'unable to find dialog for dialog id provided';
      return client.send(apiFailure(msgId, `Server error: ${reason}`));
    }
    const ct = contentTypeFor(app.body, app.headers.get('content-type'));
    if (app.method === 'ACK') {
      const { req, dest } = held.dialog.createAck(held.inviteSeq ?? 1, app.body, ct);
      copyAppHeaders(app.headers, req.headers, [
        'via',
        'from',
        'to',
        'call-id',
        'cseq',
        'content-length',
        'contact',
      ]);
      held.ack = { req: cloneRequest(req), dest };
      this.ctx.endpoint.sendAck(req, dest);
      const raw = this.ctx.raw(req);
      return client.send(requestSentReply(msgId, this.ctx.appMeta(dest.transport, raw), txnId, raw));
    }
    const extra: Array<[string, string]> = ct ? [['Content-Type', ct]] : [];
    const { req, dest } = held.dialog.createRequest(app.method, extra, app.body);
    copyAppHeaders(app.headers, req.headers);
    if (!/placeholder/.test(app.uri)) req.uri = app.uri;
    const onResponse = (res: SipResponse): void => {
      if (app.method === 'BYE' && res.status >= 200) this.ctx.removeDialog(held);
      const raw = this.ctx.raw(res);
      if (client.open)
        client.send(sipToClient(this.ctx.networkMeta(dest, raw), txnId, raw, { dialogId: held.id }));
    };
    if (app.method === 'INVITE') {
      held.inviteSeq = parseCSeq(req.headers.get('cseq'))?.seq ?? held.inviteSeq;
      held.ack = undefined;
      this.ctx.endpoint.invite(req, dest, onResponse);
    } else {
      this.ctx.endpoint.request(req, dest, onResponse);
    }
    const raw = this.ctx.raw(req);
    client.send(requestSentReply(msgId, this.ctx.appMeta(dest.transport, raw), txnId, raw));
  }
}

/** Next hop for a proxy or Request-URI: IP literal (or localhost) and port, transport from ;transport=. */
export function destinationOf(uriText: string): SipPeer | undefined {
  const uri = parseUri(uriText.replace(/^<|>$/g, ''));
  if (!uri || uri.scheme === 'tel') return undefined;
  let host = bareHost(uri.host);
  if (host === 'localhost') host = '127.0.0.1';
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(host) && !host.includes(':')) return undefined;
  const transport = (uri.params.transport ?? 'udp').toLowerCase() === 'tcp' ? 'tcp' : 'udp';
  return { transport, address: host, port: uri.port ?? 5060 };
}

function cloneRequest(req: SipRequest): SipRequest {
  return { ...req, headers: req.headers.clone() };
}
