/**
 * A minimal SIP UAC over one UDP socket shared by many calls: INVITE (with retransmission until a
 * provisional answer), 100/180/200 handling, ACK (also for retransmitted 200s), BYE out, and 200 to a
 * BYE from the far end. It records INVITE → 200 OK and BYE → 200 OK times. Load generator, not product.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import {
  buildRequest,
  buildResponse,
  cseqOf,
  header,
  parseSip,
  tagOf,
  uriOf,
  type SipText,
} from './sip-text.js';

const T1 = 500;
const T2 = 4000;

export class SipCallError extends Error {
  constructor(
    readonly code: 'rejected' | 'timeout' | 'closed',
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SipCallError';
  }
}

interface ClientTransaction {
  onResponse(msg: SipText): void;
}

export interface InviteOptions {
  target: { host: string; port: number };
  /** Request-URI user part (extension or DID). */
  user: string;
  sdp: string;
  /** Gives up when no final answer arrives in time. */
  timeoutMs?: number;
}

export interface UacDialog {
  callId: string;
  remoteSdp: string;
  /** First INVITE sent → 200 OK received, ms. */
  setupMs: number;
  /** Resolves when the far end hangs up (its BYE got our 200). */
  remoteBye: Promise<void>;
  readonly ended: boolean;
  /** Sends BYE; resolves with BYE → 200 OK in ms. */
  bye(timeoutMs?: number): Promise<number>;
}

function token(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}

export class SipUac {
  private readonly transactions = new Map<string, ClientTransaction>();
  private readonly dialogs = new Map<string, DialogState>();
  private constructor(
    private readonly socket: Socket,
    readonly host: string,
    readonly port: number,
  ) {
    socket.on('message', (buf, rinfo) => this.onMessage(buf, rinfo));
  }

  static async open(host = '127.0.0.1', port = 0): Promise<SipUac> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => resolve());
    });
    socket.on('error', () => undefined);
    return new SipUac(socket, host, socket.address().port);
  }

  close(): void {
    for (const d of this.dialogs.values()) d.resolveRemoteBye();
    this.dialogs.clear();
    this.transactions.clear();
    this.socket.close();
  }

  private send(text: string, host: string, port: number): void {
    this.socket.send(text, port, host);
  }

  private via(branch: string): string {
    return `SIP/2.0/UDP ${this.host}:${this.port};branch=z9hG4bK${branch};rport`;
  }

  private onMessage(buf: Buffer, rinfo: RemoteInfo): void {
    const msg = parseSip(buf.toString('utf8'));
    if (!msg) return;
    if (msg.kind === 'response') {
      const branch = /branch=z9hG4bK([^;\s,]+)/.exec(header(msg, 'via') ?? '')?.[1];
      const tx = branch ? this.transactions.get(branch) : undefined;
      if (tx) tx.onResponse(msg);
      else if (msg.status >= 200 && msg.status < 300 && cseqOf(msg)?.method === 'INVITE') {
        this.dialogs.get(header(msg, 'call-id') ?? '')?.sendAck(); // a retransmitted 200: ACK again
      }
      return;
    }
    this.onRequest(msg, rinfo);
  }

  private onRequest(req: SipText, rinfo: RemoteInfo): void {
    if (req.method === 'ACK') return;
    const dialog = this.dialogs.get(header(req, 'call-id') ?? '');
    if (!dialog) {
      this.send(
        buildResponse(req, 481, 'Call/Transaction Does Not Exist', { toTag: token(4) }),
        rinfo.address,
        rinfo.port,
      );
      return;
    }
    const contact = `<sip:bench@${this.host}:${this.port}>`;
    if (req.method === 'BYE') {
      this.send(buildResponse(req, 200, 'OK'), rinfo.address, rinfo.port);
      dialog.ended = true;
      this.dialogs.delete(dialog.callId);
      dialog.resolveRemoteBye();
    } else if (req.method === 'INVITE') {
      const body = { type: 'application/sdp', text: dialog.localSdp };
      this.send(buildResponse(req, 200, 'OK', { contact, body }), rinfo.address, rinfo.port);
    } else {
      this.send(buildResponse(req, 200, 'OK', { contact }), rinfo.address, rinfo.port);
    }
  }

  /** Retransmits `text` (T1 doubling, capped at `cap`) until stopped; fails after `timeoutMs`. */
  private transact(
    branch: string,
    text: string,
    target: { host: string; port: number },
    cap: number,
    timeoutMs: number,
    onResponse: (msg: SipText, stop: () => void) => void,
    onTimeout: () => void,
  ): void {
    let interval = T1;
    let retransmit: NodeJS.Timeout | undefined;
    const arm = (): void => {
      retransmit = setTimeout(() => {
        this.send(text, target.host, target.port);
        interval = Math.min(interval * 2, cap);
        arm();
      }, interval);
    };
    const stopRetransmit = (): void => clearTimeout(retransmit);
    const giveUp = setTimeout(() => {
      stopRetransmit();
      this.transactions.delete(branch);
      onTimeout();
    }, timeoutMs);
    const stop = (): void => {
      stopRetransmit();
      clearTimeout(giveUp);
      this.transactions.delete(branch);
    };
    this.transactions.set(branch, {
      onResponse: (msg) => {
        if (msg.status < 200) stopRetransmit();
        onResponse(msg, stop);
      },
    });
    this.send(text, target.host, target.port);
    arm();
  }

  invite(opts: InviteOptions): Promise<UacDialog> {
    const callId = `${token(8)}@bench`;
    const fromTag = token(4);
    const branch = token(8);
    const uri = `sip:${opts.user}@${opts.target.host}:${opts.target.port}`;
    const from = `<sip:bench@${this.host}:${this.port}>;tag=${fromTag}`;
    const text = buildRequest({
      method: 'INVITE',
      uri,
      via: this.via(branch),
      from,
      to: `<${uri}>`,
      callId,
      cseq: 1,
      contact: `<sip:bench@${this.host}:${this.port}>`,
      extra: ['Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO'],
      body: { type: 'application/sdp', text: opts.sdp },
    });
    const startedAt = performance.now();
    return new Promise<UacDialog>((resolve, reject) => {
      this.transact(
        branch,
        text,
        opts.target,
        T2,
        opts.timeoutMs ?? 8000,
        (msg, stop) => {
          if (msg.status < 200) return;
          stop();
          if (msg.status >= 300) {
            // ACK for a non-2xx final response belongs to the INVITE transaction (same branch).
            this.send(
              buildRequest({
                method: 'ACK',
                uri,
                via: this.via(branch),
                from,
                to: header(msg, 'to') ?? '',
                callId,
                cseq: 1,
              }),
              opts.target.host,
              opts.target.port,
            );
            reject(new SipCallError('rejected', msg.status, `INVITE rejected: ${msg.status} ${msg.reason}`));
            return;
          }
          const dialog = new DialogState(this, {
            callId,
            from,
            to: header(msg, 'to') ?? '',
            remoteUri: uriOf(header(msg, 'contact')) ?? uri,
            target: opts.target,
            localSdp: opts.sdp,
            remoteSdp: msg.body,
            setupMs: performance.now() - startedAt,
          });
          this.dialogs.set(callId, dialog);
          dialog.sendAck();
          resolve(dialog);
        },
        () => reject(new SipCallError('timeout', 0, 'INVITE timed out')),
      );
    });
  }

  /** @internal used by DialogState */
  sendInDialog(d: DialogState, method: 'ACK' | 'BYE', cseq: number, branch: string): string {
    return buildRequest({
      method,
      uri: d.remoteUri,
      via: this.via(branch),
      from: d.from,
      to: d.to,
      callId: d.callId,
      cseq,
    });
  }

  /** @internal */
  rawSend(text: string, target: { host: string; port: number }): void {
    this.send(text, target.host, target.port);
  }

  /** @internal */
  byeTransaction(d: DialogState, timeoutMs: number): Promise<number> {
    const branch = token(8);
    const text = this.sendInDialog(d, 'BYE', 2, branch);
    const startedAt = performance.now();
    this.dialogs.delete(d.callId);
    return new Promise<number>((resolve, reject) => {
      this.transact(
        branch,
        text,
        d.target,
        T2,
        timeoutMs,
        (msg, stop) => {
          if (msg.status < 200) return;
          stop();
          if (msg.status >= 300)
            reject(new SipCallError('rejected', msg.status, `BYE answered ${msg.status}`));
          else resolve(performance.now() - startedAt);
        },
        () => reject(new SipCallError('timeout', 0, 'BYE timed out')),
      );
    });
  }
}

interface DialogInit {
  callId: string;
  from: string;
  to: string;
  remoteUri: string;
  target: { host: string; port: number };
  localSdp: string;
  remoteSdp: string;
  setupMs: number;
}

class DialogState implements UacDialog {
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  readonly remoteUri: string;
  readonly target: { host: string; port: number };
  readonly localSdp: string;
  readonly remoteSdp: string;
  readonly setupMs: number;
  readonly remoteTag: string | undefined;
  ended = false;
  readonly remoteBye: Promise<void>;
  resolveRemoteBye!: () => void;
  private readonly ackBranch = token(8);

  constructor(
    private readonly uac: SipUac,
    init: DialogInit,
  ) {
    this.callId = init.callId;
    this.from = init.from;
    this.to = init.to;
    this.remoteUri = init.remoteUri;
    this.target = init.target;
    this.localSdp = init.localSdp;
    this.remoteSdp = init.remoteSdp;
    this.setupMs = init.setupMs;
    this.remoteTag = tagOf(init.to);
    this.remoteBye = new Promise<void>((resolve) => (this.resolveRemoteBye = resolve));
  }

  sendAck(): void {
    this.uac.rawSend(this.uac.sendInDialog(this, 'ACK', 1, this.ackBranch), this.target);
  }

  bye(timeoutMs = 8000): Promise<number> {
    if (this.ended) return Promise.reject(new SipCallError('closed', 0, 'dialog already ended'));
    this.ended = true;
    return this.uac.byeTransaction(this, timeoutMs);
  }
}
