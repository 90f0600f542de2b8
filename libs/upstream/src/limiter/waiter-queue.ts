/** One request waiting for a slot. `settled` turns true when it got one or gave up. */
export interface Waiter<T> {
  settled: boolean;
  grant(value: T): void;
  fail(error: Error): void;
}

/**
 * First in, first out, O(1) at both ends. A waiter that gives up (timeout, client gone) is only
 * marked settled and skipped when it reaches the head; `length` counts the live ones.
 */
export class WaiterQueue<T> {
  private items: Array<Waiter<T> | undefined> = [];
  private head = 0;
  private live = 0;

  get length(): number {
    return this.live;
  }

  push(waiter: Waiter<T>): void {
    this.items.push(waiter);
    this.live += 1;
  }

  /** Call when a queued waiter gives up. */
  forget(): void {
    this.live -= 1;
  }

  /** Hands `value` to the oldest live waiter; false when there is none. */
  grantNext(value: T): boolean {
    while (this.head < this.items.length) {
      const waiter = this.items[this.head];
      this.items[this.head] = undefined;
      this.head += 1;
      if (!waiter || waiter.settled) continue;
      this.live -= 1;
      waiter.grant(value);
      this.compact();
      return true;
    }
    this.compact();
    return false;
  }

  /** Every live waiter, oldest first, emptying the queue. */
  drain(): Array<Waiter<T>> {
    const waiting = this.items.slice(this.head).filter((waiter): waiter is Waiter<T> => Boolean(waiter && !waiter.settled));
    this.items = [];
    this.head = 0;
    this.live = 0;
    return waiting;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
