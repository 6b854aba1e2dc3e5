/**
 * TEST-ONLY: requests from the network and the app's responses to them, as drachtio-server handles
 * them (DrachtioController::processMessageStatelessly, PendingRequestController::processNewRequest,
 * SipDialogController::processRequestInsideDialog / processCancelOrAck / doRespondToSipRequest):
 * - a new INVITE gets 100 Trying at once and goes to an app routed for INVITE (none: 503);
 * - an in-dialog request goes to the app owning the dialog (no dialog: 481); BYE ends the dialog;
 * - a CANCEL is answered 200 and its INVITE 487 by the stack, then the app is told;
 * - the ACK of a 2xx goes to the app with the dialog id; non-2xx ACKs stay in the stack;
 * - an app response completes the wire response (Via/From/To/Call-ID/CSeq from the request, our To tag
 *   and Contact), a 2xx to INVITE creates the dialog, and the app gets the response as sent.
 */
import { Dialog } from '../../../embedded/sip/dialog.js';
import type { IncomingRequest, ServerTransaction } from '../../../embedded/sip/endpoint.js';
import { newTag } from '../../../embedded/sip/ids.js';
import { buildResponse, type SipRequest, type SipResponse } from '../../../embedded/sip/message.js';
import { InviteServerTransaction } from '../../../embedded/sip/server-transaction.js';
import type { SipPeer } from '../../../embedded/sip/transport.js';
import type { AdminClient } from './admin.js';
import { drachtioDialogId, type HeldDialog, type SipContext } from './context.js';
import { contentTypeFor, copyAppHeaders, tagOf } from './sip-text.js';
import { apiFailure, newId, responseSentReply, sipToClient } from './wire.js';

interface PendingIncoming {
  txnId: string;
  req: SipRequest;
  source: SipPeer;
  tx?: ServerTransaction;
  client: AdminClient;
  /** Our To tag for responses to a new INVITE. */
  toTag: string;
  dialog?: HeldDialog;
  finalSent: boolean;
}

/** Methods drachtio hands to apps when they arrive outside a dialog; others are refused by the stack. */
const ROUTABLE = new Set([
  'INVITE',
  'REGISTER',
  'MESSAGE',
  'OPTIONS',
  'INFO',
  'NOTIFY',
  'SUBSCRIBE',
  'PUBLISH',
]);

export class NetworkSide {
  private readonly pending = new Map<string, PendingIncoming>();

  constructor(
    private readonly ctx: SipContext,
    private readonly clientFor: (method: string) => AdminClient | undefined,
  ) {}

  onRequest(incoming: IncomingRequest): void {
    const { req, source, tx } = incoming;
    if (req.method === 'ACK') return this.onAck(req, source);
    if (!tx) return;
    if (req.method === 'CANCEL') return this.onCancel(req, source, tx);
    const toTag = tagOf(req.headers.get('to'));
    if (toTag) return this.inDialog(req, source, tx, toTag);
    if (!ROUTABLE.has(req.method)) {
      const status = req.method === 'BYE' || req.method === 'UPDATE' ? 481 : 405;
      return respond(tx, buildResponse(req, status));
    }
    const client = this.clientFor(req.method);
    if (!client) return respond(tx, buildResponse(req, 503));
    if (tx instanceof InviteServerTransaction) tx.respond(buildResponse(req, 100));
    const txnId = newId();
    const raw = this.ctx.raw(req);
    this.pending.set(txnId, { txnId, req, source, tx, client, toTag: newTag(), finalSent: false });
    const port = source.transport === 'tcp' ? this.ctx.ports.tcp : this.ctx.ports.udp;
    client.send(
      sipToClient(this.ctx.networkMeta(source, raw), txnId, raw, {
        receivedOn: { address: this.ctx.host, port },
      }),
    );
  }

  private inDialog(req: SipRequest, source: SipPeer, tx: ServerTransaction, toTag: string): void {
    const fromTag = tagOf(req.headers.get('from')) ?? '';
    const held = this.ctx.dialogFor(req.headers.get('call-id') ?? '', toTag, fromTag);
    if (!held) return respond(tx, buildResponse(req, 481));
    if (!held.dialog.acceptRemoteCSeq(req)) return respond(tx, buildResponse(req, 500));
    if (!held.client.open) {
      if (req.method === 'BYE') this.ctx.removeDialog(held);
      return respond(tx, buildResponse(req, 481));
    }
    if (req.method === 'INVITE' && tx instanceof InviteServerTransaction) tx.respond(buildResponse(req, 100));
    const txnId = newId();
    const raw = this.ctx.raw(req);
    this.pending.set(txnId, {
      txnId,
      req,
      source,
      tx,
      client: held.client,
      toTag,
      dialog: held,
      finalSent: false,
    });
    held.client.send(sipToClient(this.ctx.networkMeta(source, raw), txnId, raw, { dialogId: held.id }));
    if (req.method === 'BYE') this.ctx.removeDialog(held);
  }

  private onAck(req: SipRequest, source: SipPeer): void {
    const toTag = tagOf(req.headers.get('to')) ?? '';
    const fromTag = tagOf(req.headers.get('from')) ?? '';
    const held = this.ctx.dialogFor(req.headers.get('call-id') ?? '', toTag, fromTag);
    if (!held) return; // stale or stray ACK: dropped, as sofia does
    held.inviteTx?.ack();
    held.inviteTx = undefined;
    const raw = this.ctx.raw(req);
    if (held.client.open)
      held.client.send(sipToClient(this.ctx.networkMeta(source, raw), newId(), raw, { dialogId: held.id }));
  }

  private onCancel(req: SipRequest, source: SipPeer, tx: ServerTransaction): void {
    const entry = [...this.pending.values()].find(
      (p) => p.req.method === 'INVITE' && !p.finalSent && sameTransaction(p.req, req),
    );
    if (!entry || !entry.tx) return respond(tx, buildResponse(req, 481));
    respond(tx, buildResponse(req, 200));
    entry.finalSent = true;
    respond(entry.tx, buildResponse(entry.req, 487, { toTag: entry.toTag }));
    this.pending.delete(entry.txnId);
    const raw = this.ctx.raw(req);
    if (entry.client.open) {
      const dialogId = drachtioDialogId(
        req.headers.get('call-id') ?? '',
        tagOf(req.headers.get('from')) ?? '',
      );
      entry.client.send(sipToClient(this.ctx.networkMeta(source, raw), entry.txnId, raw, { dialogId }));
    }
  }

  /** `sip|<txnId>|` + a response: the app answers a request we handed it. */
  appResponse(client: AdminClient, msgId: string, txnId: string, res: SipResponse): void {
    const entry = this.pending.get(txnId);
    if (!entry || entry.finalSent || !entry.tx) {
      const cancel = /\bCANCEL\b/i.test(res.headers.get('cseq') ?? '');
      return client.send(
        apiFailure(
          msgId,
          cancel
            ? '200 OK to incoming CANCEL is automatically generated by the stack'
            : 'Response not sent due to unknown transaction',
        ),
      );
    }
    const { req } = entry;
    const appTo = res.headers.get('to');
    const toTag = entry.dialog ? undefined : (tagOf(appTo) ?? entry.toTag);
    if (toTag) entry.toTag = toTag;
    const out = buildResponse(req, res.status, {
      ...(toTag && (req.method === 'INVITE' || req.method === 'SUBSCRIBE') ? { toTag } : {}),
      reason: res.reason || undefined,
    });
    copyAppHeaders(res.headers, out.headers);
    const isInvite = req.method === 'INVITE';
    // A dialog-creating response carries the request's Record-Route (RFC 3261 §12.1.1; sofia's
    // response completion copies it), or in-dialog requests would skip the proxies that asked to stay.
    if (isInvite && res.status > 100 && res.status < 300 && !entry.dialog)
      for (const rr of req.headers.getAll('record-route')) out.headers.append('Record-Route', rr);
    if (isInvite && res.status >= 200 && res.status < 300 && !out.headers.has('contact'))
      out.headers.append('Contact', this.ctx.contact(entry.source.transport));
    out.body = res.body;
    const ct = contentTypeFor(res.body, out.headers.get('content-type'));
    if (ct) out.headers.set('Content-Type', ct);
    respond(entry.tx, out);
    let dialogId = entry.dialog?.id ?? '';
    if (isInvite && !entry.dialog && res.status >= 200 && res.status < 300) {
      const dialog = Dialog.fromInvite(
        req,
        entry.toTag,
        entry.source,
        this.ctx.contact(entry.source.transport),
      );
      if (dialog) {
        const held: HeldDialog = {
          id: drachtioDialogId(dialog.callId, dialog.remoteTag),
          role: 'uas',
          dialog,
          client,
          ...(entry.tx instanceof InviteServerTransaction ? { inviteTx: entry.tx } : {}),
        };
        this.ctx.addDialog(held);
        dialogId = held.id;
      }
    } else if (isInvite && !entry.dialog) {
      dialogId = drachtioDialogId(req.headers.get('call-id') ?? '', tagOf(req.headers.get('from')) ?? '');
    }
    if (res.status >= 200) {
      entry.finalSent = true;
      this.pending.delete(txnId);
    }
    const raw = this.ctx.raw(out);
    client.send(
      responseSentReply(msgId, this.ctx.appMeta(entry.source.transport, raw), txnId, dialogId, raw),
    );
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}

function respond(tx: ServerTransaction, res: SipResponse): void {
  tx.respond(res);
}

/** A CANCEL matches its INVITE by Call-ID, From tag, CSeq number and top Via branch (RFC 3261 §9.2). */
function sameTransaction(invite: SipRequest, cancel: SipRequest): boolean {
  const branch = (r: SipRequest): string =>
    /;\s*branch=([^;\s,]+)/i.exec(r.headers.get('via') ?? '')?.[1] ?? '';
  const seq = (r: SipRequest): string => (r.headers.get('cseq') ?? '').trim().split(/\s+/)[0] ?? '';
  return (
    invite.headers.get('call-id') === cancel.headers.get('call-id') &&
    tagOf(invite.headers.get('from')) === tagOf(cancel.headers.get('from')) &&
    seq(invite) === seq(cancel) &&
    branch(invite) === branch(cancel)
  );
}
