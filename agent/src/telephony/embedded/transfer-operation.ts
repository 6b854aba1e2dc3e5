/**
 * Blind transfer (RFC 3515): REFER on the caller's dialog with Refer-To and Referred-By, then
 * follow the implicit subscription's NOTIFY message/sipfrag bodies to a final outcome.
 */
import type { Clock, TimerHandle } from '../../audio/clock.js';
import type { Logger } from '../../log.js';
import type { Dialog } from './sip/dialog.js';
import { parseSipfragStatus } from './sip/dtmf-info.js';
import type { SipEndpoint } from './sip/endpoint.js';
import type { SipRequest } from './sip/message.js';

export interface TransferResult {
  ok: boolean;
  status: number;
  reason?: string;
}

export interface TransferOperationOptions {
  dialog: Dialog;
  endpoint: SipEndpoint;
  clock: Clock;
  timeoutMs: number;
  log: Logger;
  onDone(result: TransferResult): void;
}

export class TransferOperation {
  private done = false;
  private timer: TimerHandle | undefined;

  constructor(private readonly o: TransferOperationOptions) {}

  start(target: string): void {
    const referredBy = this.o.dialog.local.replace(/;\s*tag=[^;\s]+/i, '');
    const { req, dest } = this.o.dialog.createRequest('REFER', [
      ['Refer-To', `<${target}>`],
      ['Referred-By', referredBy],
      ['Event', 'refer'],
    ]);
    this.o.log.info({ target }, 'sip sending REFER');
    this.timer = this.o.clock.setTimeout(
      () => this.finish({ ok: false, status: 408, reason: 'no transfer outcome' }),
      this.o.timeoutMs,
    );
    this.o.endpoint.request(req, dest, (res, timedOut) => {
      if (res.status < 200) return;
      if (res.status >= 300 || timedOut) {
        this.finish({ ok: false, status: res.status, reason: timedOut ? 'REFER timed out' : res.reason });
      }
    });
  }

  /** A NOTIFY (Event: refer) in the dialog: 1xx is progress; 2xx success; anything else failure. */
  onNotify(req: SipRequest): void {
    const frag = parseSipfragStatus(req.body);
    const terminated = /^\s*terminated/i.test(req.headers.get('subscription-state') ?? '');
    if (!frag) {
      if (terminated) this.finish({ ok: false, status: 500, reason: 'subscription ended without outcome' });
      return;
    }
    this.o.log.debug({ status: frag.status }, 'sip transfer progress');
    if (frag.status < 200) return;
    this.finish({ ok: frag.status < 300, status: frag.status, reason: frag.reason });
  }

  cancel(): void {
    this.done = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
  }

  private finish(result: TransferResult): void {
    if (this.done) return;
    this.cancel();
    this.o.log.info({ ok: result.ok, status: result.status }, 'sip transfer outcome');
    this.o.onDone(result);
  }
}
