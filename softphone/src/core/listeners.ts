/** A tiny typed listener set: the core's one way of telling the UI that something changed. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  on(fn: (value: T) => void): () => void {
    this.set.add(fn);
    return () => this.set.delete(fn);
  }

  emit(value: T): void {
    for (const fn of [...this.set]) {
      try {
        fn(value);
      } catch (err) {
        console.error('listener failed', err);
      }
    }
  }
}
