/**
 * The SIP stack core: bytes from the transport → codec → transactions → the transaction user
 * (the gateway). Retransmissions are absorbed here; responses go back per Via (rport/received)
 * or over the TCP/WebSocket connection the request came in on.
 */
import type { Clock } from '../../../time/clock.js';
import type { Logger } from '../../../log.js';
import { parseMessage } from './codec.js';
import { serializeMessage } from './codec.js';
import { NonInviteClientTransaction, type ClientTransactionOptions } from './client-transaction.js';
import { newBranch } from './ids.js';
import { cancelFor, InviteClientTransaction } from './invite-client-transaction.js';
import { buildResponse, parseCSeq, topVia, type SipRequest, type SipResponse } from './message.js';
import { InviteServerTransaction, NonInviteServerTransaction } from './server-transaction.js';
import type { SipTimers } from './timers.js';
import type { SipPeer, SipTransport } from './transport.js';
import { formatVia, isReliable, responseTarget, stampVia, streamResponseTarget } from './via.js';

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

export interface IncomingRequest {
  req: SipRequest;
  source: SipPeer;
  /** Absent for ACK (ACK to a 2xx is its own, response-less transaction). */
  tx?: ServerTransaction;
}

export interface SipEndpointOptions {
  transport: SipTransport;
  clock: Clock;
  timers: SipTimers;
  maxMessageBytes: number;
  /** Host we put in Via/Contact (externalHost or the bind address). */
  advertisedHost: string;
  log: Logger;
  /**
   * Checked before anything else, retransmissions included, before any transaction state exists:
   * 'drop' discards silently, a response is sent statelessly.
   */
  screen?(req: SipRequest, source: SipPeer): ScreenVerdict;
  /** Server transactions alive at once, in all and per source address (defaults 10 000 / 200). */
  maxTransactions?: number;
  maxTransactionsPerSource?: number;
  /** Sources held only by the global cap (trusted peers). */
  exemptFromSourceCap?(address: string): boolean;
  /** A request was refused by a transaction cap (metrics, logs). */
  onRefused?(reason: 'transactions_total' | 'transactions_per_source', source: SipPeer): void;
}

export type ScreenVerdict = 'drop' | { respond: SipResponse } | undefined;

export class SipEndpoint {
  private readonly server = new Map<string, ServerTransaction>();
  private readonly client = new Map<string, NonInviteClientTransaction | InviteClientTransaction>();
  private readonly perSource = new Map<string, number>();
  onRequest: (incoming: IncomingRequest) => void = () => undefined;

  /** Server transactions alive now (metrics). */
  get transactions(): number {
    return this.server.size;
  }

  constructor(private readonly o: SipEndpointOptions) {
    o.transport.onMessage((data, source) => this.receive(data, source));
  }

  get advertisedHost(): string {
    return this.o.advertisedHost;
  }

  localPort(transport: SipPeer['transport']): number {
    return this.o.transport.localPort(transport);
  }

  /** A CRLF keep-alive over the TCP/TLS connection to dest: true when answered (transport.ts). */
  ping(dest: SipPeer): Promise<boolean> {
    return this.o.transport.ping(dest);
  }

  /**
   * Send a response statelessly, per the request's (stamped) top Via: over UDP to received/rport; over
   * TCP/TLS on the request's connection while it lives, else on a new one to the Via's sent-by port.
   */
  sendResponse(req: SipRequest, res: SipResponse, source: SipPeer): void {
    const via = topVia(req);
    let dest: SipPeer = source;
    if (source.transport === 'udp' && via) dest = { transport: 'udp', ...responseTarget(via) };
    else if ((source.transport === 'tcp' || source.transport === 'tls') && via)
      dest = { ...source, ...streamResponseTarget(via, source.transport) };
    this.o.transport.send(serializeMessage(res), dest);
  }

  /** The INVITE server transaction a CANCEL (same branch) refers to. */
  inviteFor(cancel: SipRequest): InviteServerTransaction | undefined {
    const tx = this.server.get(serverKey(cancel, 'INVITE'));
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  /** Send a request in a new client transaction; our Via (with rport) is put on top. */
  request(
    req: SipRequest,
    dest: SipPeer,
    onResponse: (res: SipResponse, timedOut: boolean) => void,
  ): NonInviteClientTransaction {
    this.stampOurVia(req, dest);
    return this.startNonInvite(req, dest, onResponse);
  }

  /** Send an INVITE in a new INVITE client transaction (our Via on top). */
  invite(
    req: SipRequest,
    dest: SipPeer,
    onResponse: (res: SipResponse, timedOut: boolean) => void,
  ): InviteClientTransaction {
    const branch = this.stampOurVia(req, dest);
    const key = `${branch}|INVITE`;
    return this.startClient(key, new InviteClientTransaction(req, this.clientOptions(key, dest, onResponse)));
  }

  /** CANCEL a pending INVITE we sent: same branch as the INVITE, its own non-INVITE transaction. */
  cancel(
    invite: InviteClientTransaction,
    dest: SipPeer,
    onResponse: (res: SipResponse, timedOut: boolean) => void = () => undefined,
  ): NonInviteClientTransaction {
    return this.startNonInvite(cancelFor(invite.request), dest, onResponse);
  }

  /** ACK for a 2xx (its own transaction-less request, RFC 3261 §13.2.2.4): our Via on top, sent as is. */
  sendAck(req: SipRequest, dest: SipPeer): void {
    this.stampOurVia(req, dest);
    this.o.transport.send(serializeMessage(req), dest);
  }

  private stampOurVia(req: SipRequest, dest: SipPeer): string {
    const branch = newBranch();
    const via = {
      transport: dest.transport.toUpperCase(),
      host: this.o.advertisedHost,
      port: this.localPort(dest.transport),
      params: { branch, rport: '' },
    };
    req.headers.prepend('Via', formatVia(via));
    return branch;
  }

  private startNonInvite(
    req: SipRequest,
    dest: SipPeer,
    onResponse: (res: SipResponse, timedOut: boolean) => void,
  ): NonInviteClientTransaction {
    const branch = topVia(req)?.params.branch ?? '';
    const method = parseCSeq(req.headers.get('cseq'))?.method ?? req.method;
    const key = `${branch}|${method}`;
    return this.startClient(
      key,
      new NonInviteClientTransaction(req, this.clientOptions(key, dest, onResponse)),
    );
  }

  /** Options shared by both client transaction kinds: send to dest, forget the key when done. */
  private clientOptions(
    key: string,
    dest: SipPeer,
    onResponse: (res: SipResponse, timedOut: boolean) => void,
  ): ClientTransactionOptions {
    return {
      clock: this.o.clock,
      timers: this.o.timers,
      reliable: isReliable(dest.transport),
      send: (r) => this.o.transport.send(serializeMessage(r), dest),
      onResponse,
      onTerminated: () => this.client.delete(key),
    };
  }

  private startClient<T extends NonInviteClientTransaction | InviteClientTransaction>(key: string, tx: T): T {
    this.client.set(key, tx);
    tx.start();
    return tx;
  }

  /** Abandon all transactions (shutdown). */
  clear(): void {
    for (const tx of [...this.server.values()]) tx.terminate();
    for (const tx of [...this.client.values()]) tx.terminate();
  }

  private receive(data: Buffer, source: SipPeer): void {
    const parsed = parseMessage(data, this.o.maxMessageBytes);
    if (!parsed.ok) {
      if (parsed.code === 'empty') return;
      this.o.log.info({ source, code: parsed.code, reason: parsed.reason }, 'sip malformed message');
      const req = parsed.request;
      if (!req || req.method === 'ACK') return;
      this.stampTopVia(req, source);
      if (this.screened(req, source)) return;
      const status = parsed.code === 'too-large' ? 513 : 400;
      this.sendResponse(
        req,
        buildResponse(req, status, { reason: status === 400 ? 'Bad Request' : undefined }),
        source,
      );
      return;
    }
    const msg = parsed.message;
    if (msg.kind === 'response') return this.receiveResponse(msg);
    this.stampTopVia(msg, source);
    if (this.screened(msg, source)) return;
    this.receiveRequest(msg, source);
  }

  /** Apply the screen: true when the request was dropped or answered statelessly. */
  private screened(req: SipRequest, source: SipPeer): boolean {
    const verdict = this.o.screen?.(req, source);
    if (!verdict) return false;
    if (verdict !== 'drop' && req.method !== 'ACK') this.sendResponse(req, verdict.respond, source);
    return true;
  }

  private receiveResponse(res: SipResponse): void {
    const branch = topVia(res)?.params.branch ?? '';
    const method = parseCSeq(res.headers.get('cseq'))?.method ?? '';
    const tx = this.client.get(`${branch}|${method}`);
    if (tx) tx.receive(res);
    else this.o.log.debug({ status: res.status, method }, 'sip stray response dropped');
  }

  private receiveRequest(req: SipRequest, source: SipPeer): void {
    if (req.method === 'ACK') {
      const inv = this.server.get(serverKey(req, 'INVITE'));
      if (inv instanceof InviteServerTransaction && inv.state !== 'accepted') inv.ack();
      else this.onRequest({ req, source });
      return;
    }
    const key = serverKey(req, req.method);
    const existing = this.server.get(key);
    if (existing) {
      existing.retransmission();
      return;
    }
    const full = this.transactionCap(source.address);
    if (full) {
      this.o.onRefused?.(full, source);
      this.sendResponse(req, buildResponse(req, 503, { reason: 'Service Unavailable' }), source);
      return;
    }
    this.perSource.set(source.address, (this.perSource.get(source.address) ?? 0) + 1);
    const opts = {
      clock: this.o.clock,
      timers: this.o.timers,
      reliable: isReliable(source.transport),
      send: (res: SipResponse) => this.sendResponse(req, res, source),
      onTerminated: () => {
        this.server.delete(key);
        const left = (this.perSource.get(source.address) ?? 1) - 1;
        if (left > 0) this.perSource.set(source.address, left);
        else this.perSource.delete(source.address);
      },
    };
    const tx =
      req.method === 'INVITE' ? new InviteServerTransaction(opts) : new NonInviteServerTransaction(opts);
    this.server.set(key, tx);
    this.onRequest({ req, source, tx });
  }

  private transactionCap(address: string): 'transactions_total' | 'transactions_per_source' | undefined {
    if (this.server.size >= (this.o.maxTransactions ?? 10_000)) return 'transactions_total';
    if (
      (this.perSource.get(address) ?? 0) >= (this.o.maxTransactionsPerSource ?? 200) &&
      !this.o.exemptFromSourceCap?.(address)
    )
      return 'transactions_per_source';
    return undefined;
  }

  private stampTopVia(req: SipRequest, source: SipPeer): void {
    const vias = req.headers.getAll('via');
    const top = topVia(req);
    if (!top) return;
    req.headers.replaceAll('via', [formatVia(stampVia(top, source.address, source.port)), ...vias.slice(1)]);
  }
}

function serverKey(req: SipRequest, method: string): string {
  const via = topVia(req);
  const branch = via?.params.branch;
  if (branch && branch.startsWith('z9hG4bK')) return `${branch}|${via.host}:${via.port ?? ''}|${method}`;
  // RFC 2543 peers: no usable branch; fall back to the dialog and CSeq identity.
  const fromTag = /;\s*tag=([^;\s]+)/i.exec(req.headers.get('from') ?? '')?.[1] ?? '';
  const seq = parseCSeq(req.headers.get('cseq'))?.seq ?? 0;
  return `${req.headers.get('call-id')}|${fromTag}|${seq}|${method}`;
}
