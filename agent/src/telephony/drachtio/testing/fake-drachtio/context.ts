/**
 * TEST-ONLY: state the fake drachtio-server's SIP side shares: the embedded SIP stack it stands on,
 * the dialogs it holds for apps, and the helpers that turn wire messages into drachtio's metadata.
 *
 * Dialog ids are drachtio's own: `<Call-ID>;from-tag=<tag of the INVITE's From>` (SipDialog::getDialogId),
 * for dialogs where we are UAS and where we are UAC alike.
 */
import type { Logger } from '../../../../log.js';
import type { Dialog } from '../../../embedded/sip/dialog.js';
import type { SipEndpoint } from '../../../embedded/sip/endpoint.js';
import type { SipMessage, SipRequest } from '../../../embedded/sip/message.js';
import type { InviteServerTransaction } from '../../../embedded/sip/server-transaction.js';
import type { SipPeer } from '../../../embedded/sip/transport.js';
import type { AdminClient } from './admin.js';
import { serializeAsStack } from './sip-text.js';
import type { SipMeta } from './wire.js';

export interface HeldDialog {
  /** drachtio's dialog id. */
  id: string;
  role: 'uas' | 'uac';
  dialog: Dialog;
  /** The app that created it; in-dialog requests from the network go to it. */
  client: AdminClient;
  /** UAS: the INVITE transaction whose 2xx is retransmitted until the ACK. */
  inviteTx?: InviteServerTransaction;
  /** UAC: the INVITE's CSeq number (for the ACK) and the ACK we sent (re-sent on a 2xx retransmission). */
  inviteSeq?: number;
  ack?: { req: SipRequest; dest: SipPeer };
}

export class SipContext {
  private readonly byKey = new Map<string, HeldDialog>();
  private readonly byId = new Map<string, HeldDialog>();

  constructor(
    readonly endpoint: SipEndpoint,
    readonly host: string,
    readonly ports: { udp: number; tcp: number },
    readonly log: Logger,
  ) {}

  contact(transport: SipPeer['transport'] = 'udp'): string {
    const port = transport === 'tcp' ? this.ports.tcp : this.ports.udp;
    return `<sip:${this.host}:${port}${transport === 'tcp' ? ';transport=tcp' : ''}>`;
  }

  hostports(): string {
    return `udp/${this.host}:${this.ports.udp},tcp/${this.host}:${this.ports.tcp}`;
  }

  /** Metadata of a message received from (or sent to) the network peer. */
  networkMeta(peer: SipPeer, raw: string): SipMeta {
    return {
      source: 'network',
      bytes: Buffer.byteLength(raw),
      protocol: peer.transport === 'tcp' ? 'tcp' : 'udp',
      address: peer.address,
      port: peer.port,
    };
  }

  /** Metadata of a message we sent for the app: our own address (tport name), as drachtio reports it. */
  appMeta(transport: SipPeer['transport'], raw: string): SipMeta {
    return {
      source: 'application',
      bytes: Buffer.byteLength(raw),
      protocol: transport === 'tcp' ? 'tcp' : 'udp',
      address: this.host,
      port: transport === 'tcp' ? this.ports.tcp : this.ports.udp,
    };
  }

  raw(msg: SipMessage): string {
    return serializeAsStack(msg);
  }

  addDialog(d: HeldDialog): void {
    this.byKey.set(d.dialog.id, d);
    this.byId.set(d.id, d);
  }

  removeDialog(d: HeldDialog): void {
    this.byKey.delete(d.dialog.id);
    this.byId.delete(d.id);
  }

  dialogById(id: string): HeldDialog | undefined {
    return this.byId.get(id);
  }

  /** The dialog an in-dialog request from the network belongs to (our tag in To, theirs in From). */
  dialogFor(callId: string, localTag: string, remoteTag: string): HeldDialog | undefined {
    return this.byKey.get(`${callId}|${localTag}|${remoteTag}`);
  }

  dialogByCallId(callId: string): HeldDialog | undefined {
    for (const d of this.byId.values()) if (d.dialog.callId === callId) return d;
    return undefined;
  }

  get dialogCount(): number {
    return this.byId.size;
  }
}

export function drachtioDialogId(callId: string, inviteFromTag: string): string {
  return `${callId};from-tag=${inviteFromTag}`;
}
