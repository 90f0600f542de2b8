import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamResponseWriter } from '@app/common';

/**
 * Whether this replica is shutting down, and what it still serves: readiness turns off at once on
 * SIGTERM; the drain waits for in-flight requests and open streams, then terminates what is left.
 */
@Injectable()
export class DrainState {
  private draining = false;
  private requests = 0;
  private readonly streams = new Set<StreamResponseWriter>();

  get isDraining(): boolean {
    return this.draining;
  }

  get inFlightRequests(): number {
    return this.requests;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  startDraining(): void {
    this.draining = true;
  }

  requestStarted(): void {
    this.requests += 1;
  }

  requestEnded(): void {
    this.requests = Math.max(0, this.requests - 1);
  }

  track(writer: StreamResponseWriter): void {
    this.streams.add(writer);
  }

  untrack(writer: StreamResponseWriter): void {
    this.streams.delete(writer);
  }

  /** Resolves true when nothing is in flight any more, false when `timeoutMs` ran out first. */
  async waitUntilIdle(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.requests > 0 || this.streams.size > 0) {
      if (performance.now() >= deadline) return false;
      await sleep(50);
    }
    return true;
  }

  /** Ends every open stream with its surface's final error event. */
  terminateStreams(): number {
    const open = [...this.streams];
    for (const writer of open) writer.terminate();
    return open.length;
  }
}
