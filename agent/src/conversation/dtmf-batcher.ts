/** Collects DTMF digits into one event: flushed `windowMs` after the last digit, or at once on '#'. */
import type { Clock, TimerHandle } from '../time/clock.js';

export class DtmfBatcher {
  private digits = '';
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly onBatch: (digits: string) => void,
  ) {}

  push(digit: string): void {
    this.digits += digit;
    this.clear();
    if (digit === '#') this.flush();
    else this.timer = this.clock.setTimeout(() => this.flush(), this.windowMs);
  }

  close(): void {
    this.clear();
    this.digits = '';
  }

  private flush(): void {
    this.clear();
    const digits = this.digits;
    this.digits = '';
    if (digits) this.onBatch(digits);
  }

  private clear(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
