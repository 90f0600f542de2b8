/**
 * How long and how hard each scenario runs. `full` is what docs/benchmarks.md reports; `smoke`
 * runs every code path in a few seconds (CI proves the bench still works, numbers mean nothing).
 * Every loop is bounded twice: by duration and by a request count.
 */
export interface ClosedLoopPlan {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  maxRequests: number;
  /** Spread the workers' first requests over this long (see ClosedLoopSpec.staggerMs). */
  staggerMs?: number;
}

export interface OpenStreamsPlan {
  streams: number;
  chunks: number;
  chunkDelayMs: number;
  rampPerSecond: number;
}

export interface BenchPlan {
  name: 'full' | 'smoke';
  /** Non-streamed, 0 ms upstream, concurrency 1: the added latency. */
  latency: ClosedLoopPlan;
  /** Non-streamed, 0 ms upstream, high concurrency: throughput. */
  throughput: ClosedLoopPlan[];
  /** Non-streamed with a slow upstream. */
  slow: ClosedLoopPlan & { upstreamDelayMs: number };
  /** Streamed: `chunks` chunks `chunkDelayMs` apart. */
  stream: ClosedLoopPlan & { chunks: number; chunkDelayMs: number };
  /**
   * Many streams held open at once on one replica, each run on a fresh gateway (clean RSS). The
   * cadence is ours to pick: at 10,000 streams every chunk/s costs CPU on all three processes, so
   * the large run is slow-paced (a thinking model's pauses) and the ramp is below what one
   * replica can accept while serving the streams already open.
   */
  openStreams: OpenStreamsPlan[];
  /** Gateway variants (each costs a gateway start). */
  variants: { redisLimiter: boolean; infoLogging: boolean; replicas: number };
  /** A single request may take this long; a whole open-streams run gets its own bound. */
  requestTimeoutMs: number;
  /** Run only these groups (`--only`); undefined = all. */
  only?: ReadonlySet<ScenarioGroup>;
}

export const SCENARIO_GROUPS = ['latency', 'throughput', 'slow', 'stream', 'open', 'redis', 'info', 'replicas'] as const;
export type ScenarioGroup = (typeof SCENARIO_GROUPS)[number];

export function enabled(plan: BenchPlan, group: ScenarioGroup): boolean {
  return plan.only === undefined || plan.only.has(group);
}

export const FULL_PLAN: BenchPlan = {
  name: 'full',
  latency: { concurrency: 1, warmupMs: 1_000, durationMs: 6_000, maxRequests: 5_000 },
  throughput: [
    { concurrency: 64, warmupMs: 1_000, durationMs: 8_000, maxRequests: 200_000 },
    { concurrency: 256, warmupMs: 1_000, durationMs: 8_000, maxRequests: 200_000 },
  ],
  slow: { concurrency: 64, warmupMs: 2_000, durationMs: 10_000, maxRequests: 5_000, upstreamDelayMs: 1_000, staggerMs: 1_000 },
  stream: { concurrency: 64, warmupMs: 1_000, durationMs: 24_000, maxRequests: 20_000, chunks: 10, chunkDelayMs: 50, staggerMs: 500 },
  openStreams: [
    { streams: 1_000, chunks: 20, chunkDelayMs: 1_000, rampPerSecond: 250 },
    { streams: 10_000, chunks: 12, chunkDelayMs: 5_000, rampPerSecond: 300 },
  ],
  variants: { redisLimiter: true, infoLogging: true, replicas: 3 },
  requestTimeoutMs: 60_000,
};

export const SMOKE_PLAN: BenchPlan = {
  name: 'smoke',
  latency: { concurrency: 1, warmupMs: 100, durationMs: 300, maxRequests: 200 },
  throughput: [{ concurrency: 16, warmupMs: 100, durationMs: 300, maxRequests: 2_000 }],
  slow: { concurrency: 8, warmupMs: 100, durationMs: 300, maxRequests: 16, upstreamDelayMs: 100, staggerMs: 100 },
  stream: { concurrency: 8, warmupMs: 60, durationMs: 300, maxRequests: 16, chunks: 3, chunkDelayMs: 20, staggerMs: 60 },
  openStreams: [{ streams: 50, chunks: 3, chunkDelayMs: 100, rampPerSecond: 500 }],
  variants: { redisLimiter: true, infoLogging: false, replicas: 0 },
  requestTimeoutMs: 10_000,
};
