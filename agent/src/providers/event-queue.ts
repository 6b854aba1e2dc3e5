/**
 * The one small queue behind every provider stream: producers push from socket callbacks, one
 * consumer async-iterates. Bounded: past `capacity` items the queue fails with the error from
 * `onOverflow` rather than growing without limit (a consumer that stopped reading is a bug).
 */
export interface EventQueueOptions {
  capacity?: number;
  /** The error the consumer gets when the queue overflows. */
  onOverflow?: () => unknown;
  /** Called when the consumer stops early (break out of for-await). */
  onReturn?: () => void;
}

export class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private iterating = false;

  private readonly capacity: number;
  private readonly onOverflow: () => unknown;
  private readonly onReturn: (() => void) | undefined;

  constructor(options: EventQueueOptions = {}) {
    this.capacity = options.capacity ?? 10_000;
    this.onOverflow = options.onOverflow ?? (() => new RangeError('event queue overflow'));
    this.onReturn = options.onReturn;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.ended) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.capacity) {
      this.fail(this.onOverflow());
      return;
    }
    this.items.push(item);
  }

  /** No more items; the consumer drains what is queued, then finishes. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ value: undefined, done: true });
  }

  /** Drop what is queued and finish now. */
  clear(): void {
    this.items.length = 0;
    this.end();
  }

  /** The consumer gets `error` thrown after the queued items. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.ended = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter && this.items.length === 0) {
      this.failure = undefined;
      waiter.reject(error);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      return Promise.reject(error);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterating) throw new Error('EventQueue supports one consumer');
    this.iterating = true;
    return {
      next: () => this.next(),
      return: (): Promise<IteratorResult<T>> => {
        this.clear();
        this.onReturn?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
