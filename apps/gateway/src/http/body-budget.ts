import { getHeapStatistics } from 'node:v8';
import type { FastifyReply } from 'fastify';

/**
 * Admission by body bytes: the request bodies one replica holds at once (read, parsed, translated,
 * sent upstream) stay under a budget, so several large bodies arriving together cannot exhaust the
 * heap even though each alone is within MAX_BODY_BYTES. A request is counted from its first body
 * byte until its answer is done; one that does not fit waits (its body stays unread in the kernel)
 * in arrival order, up to a deadline. One request is always admitted when nothing else is held,
 * so any body within MAX_BODY_BYTES can be served by an idle replica.
 */
export class BodyBudget {
  private held = 0;
  private readonly waiting: Array<{ bytes: number; admit: () => void }> = [];
  readonly limit: number;

  /** `limit` 0 = a fifth of V8's heap limit (peak memory per body is a few times its size). */
  constructor(limit: number) {
    this.limit = limit > 0 ? limit : Math.floor(getHeapStatistics().heap_size_limit / 5);
  }

  get heldBytes(): number {
    return this.held;
  }

  /** Reserves `bytes` until the answer closes; undefined when it did not fit within `waitMs`. */
  async reserve(reply: FastifyReply, bytes: number, waitMs: number): Promise<Reservation | undefined> {
    if (!this.fits(bytes) || this.waiting.length > 0) {
      const admitted = await new Promise<boolean>((resolve) => {
        const entry = { bytes, admit: () => { clearTimeout(timer); resolve(true); } };
        const timer = setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          resolve(false);
        }, waitMs);
        timer.unref();
        this.waiting.push(entry);
      });
      // wake() counted the bytes when it admitted this request.
      return admitted ? this.track(reply, bytes, true) : undefined;
    }
    return this.track(reply, bytes, false);
  }

  private fits(bytes: number): boolean {
    return this.held === 0 || this.held + bytes <= this.limit;
  }

  private wake(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0].bytes)) {
      const next = this.waiting.shift()!;
      // Counted now, so the next waiter in line sees it.
      this.held += next.bytes;
      next.admit();
    }
  }

  private track(reply: FastifyReply, bytes: number, counted: boolean): Reservation {
    let reserved = bytes;
    let released = false;
    if (!counted) this.held += reserved;
    const release = () => {
      if (released) return;
      released = true;
      this.held -= reserved;
      this.wake();
    };
    // A client that left while waiting must not keep its bytes counted.
    if (reply.raw.destroyed || (reply.raw as { closed?: boolean }).closed) release();
    else reply.raw.once('close', release);
    return {
      grow: (extra: number) => {
        if (released) return true;
        if (this.held + extra > this.limit && this.held > reserved) return false;
        reserved += extra;
        this.held += extra;
        return true;
      },
      release,
    };
  }
}

export interface Reservation {
  /** More bytes than announced arrived (chunked bodies); false when that goes over budget. */
  grow(extra: number): boolean;
  release(): void;
}
