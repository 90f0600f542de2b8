/**
 * The load generator: undici `Pool.dispatch` (no body streams, no fetch layers) with one
 * `process.hrtime.bigint()` reading per event. Two shapes:
 * - closed loop: `concurrency` workers send a request, wait for the whole answer, send the next,
 *   until `durationMs` or `maxRequests` (whichever first); a warm-up precedes the measured window;
 * - open streams: `streams` long streams opened at `rampPerSecond`, all held open at once.
 * Every loop is bounded in count and in time.
 */
import { Pool } from 'undici';
import { SampleBuffer, elapsedMs, type Distribution } from './stats';

export interface RequestTemplate {
  /** e.g. http://127.0.0.1:8888 */
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** A byte string every complete answer contains (a finish reason or `[DONE]`). */
  completeMarker: string;
}

interface CommonSpec {
  request: RequestTemplate;
  /** Scripted gap between upstream chunks (0 for non-streamed answers). */
  chunkDelayMs: number;
  /** One request (or stream) may take this long before it counts as failed. */
  requestTimeoutMs: number;
}

export interface ClosedLoopSpec extends CommonSpec {
  kind: 'closed';
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  maxRequests: number;
  /**
   * Each worker starts at a random moment in [0, staggerMs) (inside the warm-up). With a fixed
   * upstream time, a closed loop otherwise stays in lock-step: every request of the batch arrives
   * in the same millisecond, and the p99 measures how long the server takes to accept
   * `concurrency` requests at once rather than what independent clients see.
   */
  staggerMs?: number;
}

export interface OpenStreamsSpec extends CommonSpec {
  kind: 'open-streams';
  streams: number;
  rampPerSecond: number;
  /** Bound on the whole run (ramp + hold + finish). */
  timeoutMs: number;
}

export type LoadSpec = ClosedLoopSpec | OpenStreamsSpec;

export interface LoadResult {
  kind: LoadSpec['kind'];
  /** Requests (streams) measured: started inside the measured window. */
  measured: number;
  /** Answers completed during the warm-up (not measured; they count for CPU per request). */
  warmupCompleted: number;
  completed: number;
  failed: number;
  /** Failures by cause: `status_502`, `incomplete`, `timeout`, error codes. */
  failures: Record<string, number>;
  /** Measured window, ms (closed loop: the duration actually run; open streams: first start to last end). */
  windowMs: number;
  /** Answers completed per second inside the window. */
  ratePerSecond: number;
  /** Whole answer, ms. */
  latency: Distribution;
  /** First body byte, ms. */
  timeToFirstByte: Distribution;
  /** Observed gap between chunk bursts minus the scripted gap, ms (streams only). */
  extraInterChunk: Distribution;
  /** Chunk bursts per stream (streams only). */
  burstsPerStream: Distribution;
  /** Open streams: most streams open at once, and how long all of them were open together. */
  maxOpen: number;
  allOpenMs: number;
}

interface Outcome {
  ok: boolean;
  failure?: string;
  latencyMs: number;
  firstByteMs: number;
  bursts: number;
}

class Recorder {
  readonly latency = new SampleBuffer();
  readonly firstByte = new SampleBuffer();
  readonly extraGap = new SampleBuffer();
  readonly bursts = new SampleBuffer();
  readonly failures: Record<string, number> = {};
  completed = 0;
  failed = 0;

  record(outcome: Outcome): void {
    if (!outcome.ok) {
      this.failed += 1;
      const key = outcome.failure ?? 'unknown';
      this.failures[key] = (this.failures[key] ?? 0) + 1;
      return;
    }
    this.completed += 1;
    this.latency.push(outcome.latencyMs);
    this.firstByte.push(outcome.firstByteMs);
    this.bursts.push(outcome.bursts);
  }
}

/**
 * One request through the pool. Chunk bursts: a read arriving more than half the scripted gap
 * after the previous read starts a new burst; the gap between burst starts minus the scripted
 * gap is the extra inter-chunk delay (what the path added on top of the upstream's schedule).
 */
function send(pool: Pool, spec: CommonSpec, gaps: SampleBuffer | undefined, shouldRecordGaps: () => boolean): Promise<Outcome> {
  const { request } = spec;
  const marker = Buffer.from(request.completeMarker);
  const burstThresholdNs = BigInt(Math.max(1, Math.floor((spec.chunkDelayMs * 1e6) / 2)));
  return new Promise<Outcome>((resolve) => {
    const start = process.hrtime.bigint();
    let status = 0;
    let firstByte = 0n;
    let lastRead = 0n;
    let lastBurst = 0n;
    let bursts = 0;
    let tail: Buffer = Buffer.alloc(0);
    let found = false;
    let settled = false;
    const finish = (outcome: Omit<Outcome, 'latencyMs' | 'firstByteMs' | 'bursts'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const end = process.hrtime.bigint();
      resolve({ ...outcome, latencyMs: elapsedMs(start, end), firstByteMs: firstByte === 0n ? Number.NaN : elapsedMs(start, firstByte), bursts });
    };
    let controller: { abort(reason: Error): void } | undefined;
    const timer = setTimeout(() => {
      finish({ ok: false, failure: 'timeout' });
      controller?.abort(new Error('bench request timeout'));
    }, spec.requestTimeoutMs);
    pool.dispatch(
      { origin: request.origin, path: request.path, method: 'POST', headers: request.headers, body: request.body },
      {
        onRequestStart(requestController: { abort(reason: Error): void }) {
          controller = requestController;
        },
        onResponseStart(_controller: unknown, statusCode: number) {
          status = statusCode;
        },
        onResponseData(_controller: unknown, chunk: Buffer) {
          const now = process.hrtime.bigint();
          if (firstByte === 0n) {
            firstByte = now;
            lastBurst = now;
            bursts = 1;
          } else if (spec.chunkDelayMs > 0 && now - lastRead > burstThresholdNs) {
            if (gaps && shouldRecordGaps()) gaps.push(Number(now - lastBurst) / 1e6 - spec.chunkDelayMs);
            lastBurst = now;
            bursts += 1;
          }
          lastRead = now;
          if (!found) {
            const joined = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
            if (joined.indexOf(marker) >= 0) found = true;
            else tail = Buffer.from(joined.subarray(Math.max(0, joined.length - marker.length + 1)));
          }
        },
        onResponseEnd() {
          if (status !== 200) finish({ ok: false, failure: `status_${status}` });
          else if (!found) finish({ ok: false, failure: 'incomplete' });
          else finish({ ok: true });
        },
        onResponseError(_controller: unknown, error: Error) {
          const code = (error as { code?: string }).code;
          finish({ ok: false, failure: code ?? error.name ?? 'error' });
        },
      } as never,
    );
  });
}

function newPool(origin: string, connections: number, timeoutMs: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 4_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: 10_000,
  });
}

function toResult(kind: LoadSpec['kind'], recorder: Recorder, measured: number, windowMs: number, completedInWindow: number, extra: { maxOpen: number; allOpenMs: number; warmupCompleted: number }): LoadResult {
  return {
    kind,
    measured,
    warmupCompleted: extra.warmupCompleted,
    completed: recorder.completed,
    failed: recorder.failed,
    failures: recorder.failures,
    windowMs,
    ratePerSecond: windowMs > 0 ? (completedInWindow * 1000) / windowMs : 0,
    latency: recorder.latency.summarize(),
    timeToFirstByte: recorder.firstByte.summarize(),
    extraInterChunk: recorder.extraGap.summarize(),
    burstsPerStream: recorder.bursts.summarize(),
    maxOpen: extra.maxOpen,
    allOpenMs: extra.allOpenMs,
  };
}

export async function runClosedLoop(spec: ClosedLoopSpec): Promise<LoadResult> {
  const pool = newPool(spec.request.origin, spec.concurrency, spec.requestTimeoutMs);
  const recorder = new Recorder();
  const begin = process.hrtime.bigint();
  const warmupEnds = begin + BigInt(Math.round(spec.warmupMs * 1e6));
  const deadline = warmupEnds + BigInt(Math.round(spec.durationMs * 1e6));
  let issued = 0;
  let completedInWindow = 0;
  let warmupCompleted = 0;
  let measuring = false;
  const worker = async (): Promise<void> => {
    if (spec.staggerMs) await new Promise((resolve) => setTimeout(resolve, Math.random() * spec.staggerMs!));
    for (;;) {
      const now = process.hrtime.bigint();
      if (now >= deadline || issued >= spec.maxRequests) return;
      const inWindow = now >= warmupEnds;
      if (inWindow) {
        measuring = true;
        issued += 1;
      }
      const outcome = await send(pool, spec, inWindow ? recorder.extraGap : undefined, () => true);
      // Throughput counts every answer completed inside the window (also ones started in the
      // warm-up); latency counts the requests started inside it.
      const completedAt = process.hrtime.bigint();
      if (outcome.ok && completedAt >= warmupEnds && completedAt <= deadline) completedInWindow += 1;
      if (inWindow) recorder.record(outcome);
      else if (outcome.ok) warmupCompleted += 1;
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, () => worker()));
  const end = process.hrtime.bigint();
  // The window ends at the deadline, or earlier when maxRequests ran out first.
  const windowEnd = end < deadline ? end : deadline;
  await pool.close();
  const windowMs = measuring ? elapsedMs(warmupEnds, windowEnd) : 0;
  return toResult('closed', recorder, issued, windowMs, completedInWindow, { maxOpen: spec.concurrency, allOpenMs: 0, warmupCompleted });
}

/**
 * Opens `streams` streams at `rampPerSecond` (in 10 ms batches, so the listen backlog never
 * overflows) and waits for all of them to finish. `onAllOpen` fires once, when every stream is
 * open at the same time (the moment to sample the server's memory).
 */
export async function runOpenStreams(spec: OpenStreamsSpec, onAllOpen?: () => void): Promise<LoadResult> {
  const pool = newPool(spec.request.origin, spec.streams, spec.requestTimeoutMs);
  const recorder = new Recorder();
  const begin = process.hrtime.bigint();
  let launched = 0;
  let open = 0;
  let maxOpen = 0;
  let allOpenSince = 0n;
  let allOpenMs = 0;
  const running: Array<Promise<void>> = [];
  const launch = (): void => {
    launched += 1;
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    if (open === spec.streams && allOpenSince === 0n) {
      allOpenSince = process.hrtime.bigint();
      onAllOpen?.();
    }
    running.push(
      send(pool, spec, recorder.extraGap, () => true).then((outcome) => {
        if (open === spec.streams && allOpenSince !== 0n && allOpenMs === 0) allOpenMs = elapsedMs(allOpenSince);
        open -= 1;
        recorder.record(outcome);
      }),
    );
  };
  await new Promise<void>((resolveRamp) => {
    const ticker = setInterval(() => {
      const due = Math.min(spec.streams, Math.floor((elapsedMs(begin) / 1000) * spec.rampPerSecond) + 1);
      while (launched < due) launch();
      if (launched >= spec.streams) {
        clearInterval(ticker);
        resolveRamp();
      }
    }, 10);
  });
  let timedOut = false;
  const overall = setTimeout(() => {
    timedOut = true;
    void pool.destroy();
  }, Math.max(1, spec.timeoutMs - elapsedMs(begin)));
  await Promise.all(running);
  clearTimeout(overall);
  const windowMs = elapsedMs(begin);
  if (!timedOut) await pool.close();
  return toResult('open-streams', recorder, launched, windowMs, recorder.completed, { maxOpen, allOpenMs, warmupCompleted: 0 });
}
