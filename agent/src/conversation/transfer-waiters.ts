/** Pending transfer_call tools waiting for the telephony side's transferResult (bounded wait). */
import type { Clock } from '../time/clock.js';
import type { TransferOutcome } from './tools/tool-types.js';

export class TransferWaiters {
  private waiters = new Set<(o: TransferOutcome) => void>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  wait(signal: AbortSignal): Promise<TransferOutcome> {
    return new Promise((resolve) => {
      const done = (o: TransferOutcome) => {
        this.waiters.delete(done);
        this.clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(o);
      };
      const timer = this.clock.setTimeout(
        () => done({ ok: false, status: 408, reason: 'no transfer result in time' }),
        this.timeoutMs,
      );
      const onAbort = () => done({ ok: false, status: 0, reason: 'cancelled' });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(done);
    });
  }

  resolve(outcome: TransferOutcome): void {
    for (const w of [...this.waiters]) w(outcome);
  }

  close(): void {
    this.resolve({ ok: false, status: 0, reason: 'call closed' });
  }
}
