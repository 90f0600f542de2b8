/** Something checked on every tick of a shared timer (a stream's stall watch, its heartbeat). */
export interface TickTask {
  tick(now: number): void;
}

/**
 * One interval timer for every task with the same period, instead of one per stream: 10,000 open
 * streams with a 1 s stall check and a heartbeat were 11,000 timer callbacks a second, each with its
 * own Timeout and closure kept for the life of the stream. The timer runs only while it has tasks
 * and never keeps the process alive. A task that throws does not stop the others.
 */
class SharedTicker {
  private readonly tasks = new Set<TickTask>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly periodMs: number, private readonly onEmpty: () => void) {}

  add(task: TickTask): void {
    this.tasks.add(task);
    if (this.timer) return;
    this.timer = setInterval(() => this.run(), this.periodMs);
    this.timer.unref();
  }

  remove(task: TickTask): void {
    this.tasks.delete(task);
    if (this.tasks.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.onEmpty();
  }

  private run(): void {
    const now = Date.now();
    for (const task of this.tasks) {
      try {
        task.tick(now);
      } catch {
        this.remove(task);
      }
    }
  }
}

const tickers = new Map<number, SharedTicker>();

/** Runs `task.tick` every `periodMs` on the timer shared by that period; returns what stops it (idempotent). */
export function tickEvery(periodMs: number, task: TickTask): () => void {
  const period = Math.max(1, Math.round(periodMs));
  let ticker = tickers.get(period);
  if (!ticker) {
    ticker = new SharedTicker(period, () => tickers.delete(period));
    tickers.set(period, ticker);
  }
  const owner = ticker;
  owner.add(task);
  return () => owner.remove(task);
}

/** How many periods have a running timer (for tests). */
export function sharedTimerCount(): number {
  return tickers.size;
}
