/**
 * The scenarios of issue 8, in one run so ratios hold on a noisy machine: every scenario is
 * measured on direct, nginx pass-through and the gateway (OpenAI and Gemini routes) back to back,
 * then the gateway variants (Redis limiter, info logging, three replicas behind nginx).
 */
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../test/support/redis';
import { startBenchGateway, type BenchGateway } from './gateway';
import type { BenchHarness, Measurement, Target } from './harness';
import type { ClosedLoopSpec, OpenStreamsSpec } from './load';
import { enabled, type BenchPlan, type ClosedLoopPlan } from './plan';
import { descriptorLimit, openDescriptors, rssBytes } from './procfs';
import { startPassthroughNginx, type PassthroughNginx } from './passthrough-nginx';
import { startShippedNginx, type ShippedNginx } from './shipped-nginx';
import { countRoundTrips } from './redis-monitor';
import { behaviours, codeAssistRequest, fallbackEnvelope, geminiRequest, openaiRequest } from './targets';

export const SCENARIOS = {
  latency: 'latency-c1',
  throughput: (concurrency: number) => `throughput-c${concurrency}`,
  slow: 'slow',
  stream: 'stream',
  open: (count: number) => `open-${count}`,
} as const;

export interface OpenStreamsRun {
  requested: number;
  ran: number;
  /** RSS of the fresh gateway before the streams opened, by route, MiB. */
  idleRssMiB: Record<string, number>;
  /** Why fewer than requested ran (measured), if so. */
  bound?: string;
}

export interface RedisRoundTripsPerRequest {
  requests: number;
  /** Round trips per request on the hot path: commands sent for at least one request in ten. */
  perRequest: number;
  /** Background commands sent during the run (limiter heartbeat, cooldown snapshot, usage counters: per replica per second, not per request), and how long the run took. */
  heartbeats?: number;
  background?: Record<string, number>;
  durationMs?: number;
  byCommand: Record<string, number>;
  /** Commands Lua scripts ran inside Redis, per request (not round trips). */
  insideScriptsPerRequest: number;
}

export interface BenchRun {
  measurements: Measurement[];
  openStreams: OpenStreamsRun[];
  /** Redis round trips per request with the Redis limiter on (MONITOR, a separate c=1 run), by route. */
  redisRoundTrips?: Record<string, RedisRoundTripsPerRequest>;
  skipped: string[];
}

type Log = (line: string) => void;

function closedSpec(plan: BenchPlan, loop: ClosedLoopPlan, request: ClosedLoopSpec['request'], chunkDelayMs = 0): ClosedLoopSpec {
  return { kind: 'closed', request, chunkDelayMs, requestTimeoutMs: plan.requestTimeoutMs, ...loop };
}

function gatewayTargets(prefix: string, labelPrefix: string, gateways: BenchGateway[], url: string, redis?: Redis, extraPids: number[] = []): { openai: Target; gemini: Target } {
  const pids = [...gateways.map((gateway) => gateway.pid), ...extraPids];
  return {
    openai: { id: `${prefix}-openai`, label: `${labelPrefix} (OpenAI)`, request: (stream) => openaiRequest({ origin: url, stream }), pids, gateways, redis },
    gemini: { id: `${prefix}-gemini`, label: `${labelPrefix} (Gemini)`, request: (stream) => geminiRequest({ origin: url, stream }), pids, gateways, redis },
  };
}

async function warmEnvelope(harness: BenchHarness, gateway: BenchGateway): Promise<unknown> {
  const request = openaiRequest({ origin: gateway.url, stream: false });
  const response = await fetch(`${gateway.url}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
  if (response.status !== 200) throw new Error(`gateway warm-up answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
  return (await harness.lastEnvelope()) ?? fallbackEnvelope(harness.upstream.project);
}

export async function runBench(plan: BenchPlan, harness: BenchHarness, log: Log): Promise<BenchRun> {
  const run: BenchRun = { measurements: [], openStreams: [], skipped: [] };
  const record = async (scenario: string, target: Target, spec: ClosedLoopSpec | OpenStreamsSpec): Promise<Measurement> => {
    const measurement = await harness.measure(scenario, target, spec);
    run.measurements.push(measurement);
    log(summaryLine(measurement));
    return measurement;
  };
  const upstream = harness.upstream;
  await harness.setBehaviour(behaviours.fast);
  const gateway = await startBenchGateway({ emulator: upstream });
  let passthrough: PassthroughNginx | undefined;
  let direct: Target;
  try {
    const envelope = await warmEnvelope(harness, gateway);
    direct = { id: 'direct', label: 'direct', request: (stream) => codeAssistRequest({ origin: upstream.url, accessToken: upstream.accessToken, envelope, stream }), pids: [], gateways: [] };
    const targets: Target[] = [direct];
    try {
      passthrough = await startPassthroughNginx(new URL(upstream.url).host);
      const nginxUrl = passthrough.url;
      targets.push({ id: 'nginx', label: 'nginx pass-through', request: (stream) => codeAssistRequest({ origin: nginxUrl, accessToken: upstream.accessToken, envelope, stream }), pids: [passthrough.pid], gateways: [] });
    } catch (error) {
      run.skipped.push(`nginx pass-through: ${(error as Error).message.split('\n')[0]}`);
    }
    const main = gatewayTargets('gateway', 'gateway', [gateway], gateway.url);
    targets.push(main.openai, main.gemini);

    if (enabled(plan, 'latency')) {
      for (const target of targets) await record(SCENARIOS.latency, target, closedSpec(plan, plan.latency, target.request(false)));
    }
    for (const loop of enabled(plan, 'throughput') ? plan.throughput : []) {
      for (const target of targets) await record(SCENARIOS.throughput(loop.concurrency), target, closedSpec(plan, loop, target.request(false)));
    }
    if (enabled(plan, 'slow')) {
      await harness.setBehaviour({ ...behaviours.slow, firstByteDelayMs: plan.slow.upstreamDelayMs });
      for (const target of targets) await record(SCENARIOS.slow, target, closedSpec(plan, plan.slow, target.request(false)));
    }
    if (enabled(plan, 'stream')) {
      await harness.setBehaviour(behaviours.streamed(plan.stream.chunks, plan.stream.chunkDelayMs));
      for (const target of targets) await record(SCENARIOS.stream, target, closedSpec(plan, plan.stream, target.request(true), plan.stream.chunkDelayMs));
    }
  } finally {
    await passthrough?.stop();
    await gateway.stop();
  }
  if (enabled(plan, 'open')) await runOpenStreams(plan, harness, direct, run, record, log);
  await runVariants(plan, harness, run, record, log);
  return run;
}

/**
 * Each (count, route) on a fresh gateway, so its RSS is that of a replica holding those streams
 * and nothing else; "direct" first, as the baseline of the inter-chunk delay.
 */
async function runOpenStreams(plan: BenchPlan, harness: BenchHarness, direct: Target, run: BenchRun, record: (scenario: string, target: Target, spec: OpenStreamsSpec) => Promise<Measurement>, log: Log): Promise<void> {
  const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, plan.name === 'full' ? 5_000 : 100));
  for (const open of plan.openStreams) {
    await harness.setBehaviour(behaviours.streamed(open.chunks, open.chunkDelayMs));
    const timeoutMs = Math.ceil((open.streams / open.rampPerSecond) * 1000 + open.chunks * open.chunkDelayMs + 60_000);
    const spec = (target: Target, streams: number): OpenStreamsSpec => ({ kind: 'open-streams', request: target.request(true), streams, rampPerSecond: open.rampPerSecond, chunkDelayMs: open.chunkDelayMs, requestTimeoutMs: timeoutMs, timeoutMs });
    const openRun: OpenStreamsRun = { requested: open.streams, ran: open.streams, idleRssMiB: {} };
    run.openStreams.push(openRun);
    for (const route of ['openai', 'gemini'] as const) {
      const gateway = await startBenchGateway({ emulator: harness.upstream });
      try {
        // Each open stream costs the gateway two descriptors: the client's socket and the upstream one.
        const limit = descriptorLimit(gateway.pid);
        const inUse = openDescriptors(gateway.pid);
        const headroom = Math.floor((limit - inUse - 64) / 2);
        if (headroom < openRun.ran) {
          openRun.ran = headroom;
          openRun.bound = `RLIMIT_NOFILE of the gateway is ${limit} (the hard limit here; raising it needs CAP_SYS_RESOURCE) and a fresh gateway holds ${inUse} descriptors; each open stream needs 2 (client socket + upstream socket), so at most ${headroom} streams fit with a 64-descriptor margin`;
        }
        if (route === 'openai') {
          await record(SCENARIOS.open(open.streams), direct, spec(direct, openRun.ran));
          await pause();
        }
        const targets = gatewayTargets('gateway', 'gateway', [gateway], gateway.url);
        // A replica in service is warm: JIT the stream path first (short fast streams), then measure.
        await harness.setBehaviour(behaviours.streamed(5, 5));
        const warmup: ClosedLoopPlan = { concurrency: 16, warmupMs: 0, durationMs: plan.name === 'full' ? 2_000 : 200, maxRequests: 20_000 };
        await harness.loadGenerator.call({ spec: closedSpec(plan, warmup, targets[route].request(true), 5) });
        await harness.setBehaviour(behaviours.streamed(open.chunks, open.chunkDelayMs));
        openRun.idleRssMiB[route] = rssBytes(gateway.pid) / 2 ** 20;
        await record(SCENARIOS.open(open.streams), targets[route], spec(targets[route], openRun.ran));
      } finally {
        await gateway.stop();
      }
      await pause();
    }
    if (openRun.bound) log(`  open streams: ran ${openRun.ran} of ${openRun.requested}: ${openRun.bound}`);
  }
}

async function runVariants(plan: BenchPlan, harness: BenchHarness, run: BenchRun, record: (scenario: string, target: Target, spec: ClosedLoopSpec) => Promise<Measurement>, log: Log): Promise<void> {
  const upstream = harness.upstream;
  let redisServer: RedisServer | undefined;
  let redis: Redis | undefined;
  const redisLimiter = plan.variants.redisLimiter && enabled(plan, 'redis');
  const infoLogging = plan.variants.infoLogging && enabled(plan, 'info');
  const replicas = enabled(plan, 'replicas') ? plan.variants.replicas : 0;
  if (redisLimiter || replicas > 0) {
    try {
      redisServer = await startRedis();
      redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
    } catch (error) {
      run.skipped.push(`Redis variants: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  try {
    if (redisLimiter && redisServer && redis) {
      await harness.setBehaviour(behaviours.fast);
      // The limiter's own cost, on a noisy machine: the same gateway without it runs right before
      // each limited run (same scenario, same minute). A cap far above the bench's concurrency:
      // every request takes and frees a cluster lease, none waits.
      const paired = await startBenchGateway({ emulator: upstream });
      const gateway = await startBenchGateway({ emulator: upstream, redisUrl: redisServer.url, maxConcurrent: 1_000 });
      try {
        const off = gatewayTargets('gateway-pair', 'gateway, limiter off (paired)', [paired], paired.url);
        const targets = gatewayTargets('gateway-redis', 'gateway + Redis limiter', [gateway], gateway.url, redis);
        for (const route of ['openai', 'gemini'] as const) {
          await warmUp(harness, plan, off[route]);
          await warmUp(harness, plan, targets[route]);
          await record(SCENARIOS.latency, off[route], closedSpec(plan, plan.latency, off[route].request(false)));
          await record(SCENARIOS.latency, targets[route], closedSpec(plan, plan.latency, targets[route].request(false)));
        }
        run.redisRoundTrips = {};
        for (const [route, target] of [['openai', targets.openai], ['gemini', targets.gemini]] as const) {
          run.redisRoundTrips[route] = await measureRoundTrips(harness, redisServer.url, target, plan.name === 'full' ? 500 : 30);
          log(`  Redis round trips per request (${route}): ${run.redisRoundTrips[route].perRequest.toFixed(2)} ${JSON.stringify(run.redisRoundTrips[route].byCommand)}`);
        }
        for (const loop of plan.throughput) {
          await record(SCENARIOS.throughput(loop.concurrency), off.openai, closedSpec(plan, loop, off.openai.request(false)));
          await record(SCENARIOS.throughput(loop.concurrency), targets.openai, closedSpec(plan, loop, targets.openai.request(false)));
        }
        await harness.setBehaviour(behaviours.streamed(plan.stream.chunks, plan.stream.chunkDelayMs));
        await record(SCENARIOS.stream, targets.openai, closedSpec(plan, plan.stream, targets.openai.request(true), plan.stream.chunkDelayMs));
      } finally {
        await gateway.stop();
        await paired.stop();
      }
    }
    if (infoLogging) {
      await harness.setBehaviour(behaviours.fast);
      const gateway = await startBenchGateway({ emulator: upstream, logLevel: 'info' });
      try {
        const targets = gatewayTargets('gateway-info', 'gateway, LOG_LEVEL=info', [gateway], gateway.url);
        await record(SCENARIOS.latency, targets.openai, closedSpec(plan, plan.latency, targets.openai.request(false)));
        for (const loop of plan.throughput) await record(SCENARIOS.throughput(loop.concurrency), targets.openai, closedSpec(plan, loop, targets.openai.request(false)));
        log(`  (info logging: the gateway wrote ${(gateway.outputBytes() / 2 ** 20).toFixed(1)} MiB of logs)`);
      } finally {
        await gateway.stop();
      }
    }
    if (replicas > 0 && redisServer && redis) await runReplicas(plan, harness, redisServer, redis, run, record);
  } finally {
    redis?.disconnect();
    await redisServer?.stop();
  }
}

/** A short unmeasured closed loop, so JIT and connection pools are warm before a c=1 latency run. */
async function warmUp(harness: BenchHarness, plan: BenchPlan, target: Target): Promise<void> {
  const loop: ClosedLoopPlan = { concurrency: 4, warmupMs: 0, durationMs: plan.name === 'full' ? 1_500 : 100, maxRequests: 20_000 };
  await harness.loadGenerator.call({ spec: closedSpec(plan, loop, target.request(false)) });
}

/** A separate c=1 run with MONITOR attached (MONITOR slows Redis, so it never overlaps a timed run). */
async function measureRoundTrips(harness: BenchHarness, redisUrl: string, target: Target, requests: number): Promise<RedisRoundTripsPerRequest> {
  let completed = 0;
  const trips = await countRoundTrips(redisUrl, async () => {
    const result = await harness.loadGenerator.call<{ completed: number }>({
      spec: { kind: 'closed', request: target.request(false), chunkDelayMs: 0, requestTimeoutMs: 10_000, concurrency: 1, warmupMs: 0, durationMs: 30_000, maxRequests: requests } satisfies ClosedLoopSpec,
    });
    completed = result.completed;
  });
  const per = (value: number): number => value / Math.max(1, completed);
  // Per replica per second, whatever the load (limiter heartbeat, the pool's 5 s cooldown snapshot
  // and usage-counter flush): shown apart. Anything sent for fewer than one request in ten is such.
  const background = Object.fromEntries(Object.entries(trips.byCommand).filter(([name, calls]) => name === 'semaphore sync' || calls < completed / 10));
  const backgroundTotal = Object.values(background).reduce((sum, calls) => sum + calls, 0);
  return {
    requests: completed,
    perRequest: per(trips.total - backgroundTotal),
    heartbeats: trips.byCommand['semaphore sync'] ?? 0,
    background,
    durationMs: trips.durationMs,
    byCommand: Object.fromEntries(Object.entries(trips.byCommand).filter(([name]) => !(name in background)).map(([name, calls]) => [name, per(calls)])),
    insideScriptsPerRequest: per(trips.insideScripts),
  };
}

async function runReplicas(plan: BenchPlan, harness: BenchHarness, redisServer: RedisServer, redis: Redis, run: BenchRun, record: (scenario: string, target: Target, spec: ClosedLoopSpec) => Promise<Measurement>): Promise<void> {
  await harness.setBehaviour(behaviours.fast);
  const replicas = await Promise.all(Array.from({ length: plan.variants.replicas }, () => startBenchGateway({ emulator: harness.upstream, redisUrl: redisServer.url, maxConcurrent: 1_000 })));
  let nginx: ShippedNginx | undefined;
  try {
    nginx = await startShippedNginx(replicas.map((replica) => new URL(replica.url).host));
    const nginxPids = await nginx.workerPids();
    const targets = gatewayTargets('replicas', `${replicas.length} replicas behind nginx`, replicas, nginx.url, redis, nginxPids);
    for (const loop of plan.throughput) await record(SCENARIOS.throughput(loop.concurrency), targets.openai, closedSpec(plan, loop, targets.openai.request(false)));
    await harness.setBehaviour(behaviours.streamed(plan.stream.chunks, plan.stream.chunkDelayMs));
    await record(SCENARIOS.stream, targets.openai, closedSpec(plan, plan.stream, targets.openai.request(true), plan.stream.chunkDelayMs));
  } catch (error) {
    run.skipped.push(`replicas behind nginx: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    await nginx?.stop();
    await Promise.all(replicas.map((replica) => replica.stop()));
  }
}

const fixed = (value: number | null | undefined, digits = 2): string => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—');

function summaryLine(measurement: Measurement): string {
  const { load } = measurement;
  const parts = [
    `${measurement.scenario.padEnd(16)} ${measurement.label.padEnd(44)}`,
    `${load.completed}/${load.measured} ok`,
    `${fixed(load.ratePerSecond, 1)}/s`,
    `p50 ${fixed(load.latency.p50)} p99 ${fixed(load.latency.p99)} ms`,
  ];
  if (load.extraInterChunk.count > 0) parts.push(`ttfb p99 ${fixed(load.timeToFirstByte.p99)} gap+ p99 ${fixed(load.extraInterChunk.p99)} ms`);
  if (measurement.cpuPerRequestUs > 0) parts.push(`${fixed(measurement.cpuPerRequestUs, 0)} µs CPU/req`);
  if (measurement.gateway) parts.push(`ELD p99 ${fixed(measurement.gateway.eventLoopDelayP99Ms, 1)} ms RSS ${fixed(measurement.gateway.rssPeakMiB, 0)} MiB`);
  if (measurement.redisCommandsExecutedPerRequest !== undefined) parts.push(`${fixed(measurement.redisCommandsExecutedPerRequest, 1)} Redis commands executed/req`);
  parts.push(`other load ${fixed(measurement.foreignCores, 2)} cores`);
  if (measurement.notes.length > 0) parts.push(measurement.notes.join('; '));
  return parts.join(' | ');
}
