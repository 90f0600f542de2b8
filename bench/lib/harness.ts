/**
 * The processes of a bench run and the one way to measure a target: the emulator and the load
 * generator in their own processes, CPU time of every process involved read from /proc around
 * each run, the gateway's event-loop delay and RSS from its metrics endpoint and /proc, and the
 * Redis commands a run caused from `INFO commandstats`.
 */
import { Redis } from 'ioredis';
import { join } from 'node:path';
import type { EmulatorBehaviour } from '../../test/support/emulator';
import { WorkerChild } from './child';
import type { BenchGateway } from './gateway';
import type { LoadResult, LoadSpec, RequestTemplate } from './load';
import { RssSampler, cpuTimeMs, machineBusyMs } from './procfs';

export interface EmulatorReady {
  url: string;
  tokenUrl: string;
  project: string;
  accessToken: string;
  refreshToken: string;
}

/** A path under test: how to build its requests and which processes serve it. */
export interface Target {
  id: string;
  label: string;
  request(stream: boolean): RequestTemplate;
  /** Processes that are the system under test (CPU per request is theirs). */
  pids: number[];
  gateways: BenchGateway[];
  /** Redis used by the target, to count the commands it sent. */
  redis?: Redis;
}

export interface GatewayReadings {
  /** Event-loop delay beyond the 10 ms sampling interval of prom-client's monitor, ms (max over the run's scrapes). */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  rssPeakMiB: number;
  /** RSS when every stream was open (open-streams runs). */
  rssAllOpenMiB?: number;
  /** The gateway's own open-streams gauge at that moment. */
  streamsOpenAllOpen?: number;
}

export interface Measurement {
  scenario: string;
  target: string;
  label: string;
  load: LoadResult;
  /** CPU time of each process during the run (warm-up included), ms. */
  cpuMs: { systemUnderTest: number; emulator: number; loadGenerator: number };
  /** CPU of the system under test per answer (warm-up included), µs. */
  cpuPerRequestUs: number;
  /** Cores' worth of CPU used by processes outside this run (other tenants: noise), on average. */
  foreignCores: number;
  /** Wall-clock duration of the run (warm-up included), ms. */
  wallMs: number;
  gateway?: GatewayReadings;
  /** Redis commands executed per answer, including those Lua scripts ran inside Redis (INFO commandstats). */
  redisCommandsExecutedPerRequest?: number;
  notes: string[];
}

/** prom-client samples event-loop delay with a 10 ms timer and reports the whole interval. */
const EVENT_LOOP_RESOLUTION_S = 0.01;

export class BenchHarness {
  private constructor(
    readonly emulator: WorkerChild<EmulatorReady>,
    readonly loadGenerator: WorkerChild,
  ) {}

  static async start(distBenchDir: string): Promise<BenchHarness> {
    const [emulator, loadGenerator] = await Promise.all([
      WorkerChild.start<EmulatorReady>(join(distBenchDir, 'workers/emulator-worker.js')),
      WorkerChild.start<Record<string, unknown>>(join(distBenchDir, 'workers/load-worker.js')),
    ]);
    return new BenchHarness(emulator, loadGenerator);
  }

  get upstream(): EmulatorReady {
    return this.emulator.ready;
  }

  setBehaviour(behaviour: EmulatorBehaviour): Promise<void> {
    return this.emulator.call({ cmd: 'behaviour', behaviour });
  }

  /** The last Code Assist envelope the emulator received (the gateway's, after a warm-up call). */
  lastEnvelope(): Promise<unknown> {
    return this.emulator.call({ cmd: 'lastGeneration' });
  }

  async measure(scenario: string, target: Target, spec: LoadSpec): Promise<Measurement> {
    const notes: string[] = [];
    const scrapeAll = async (): Promise<Array<Map<string, number>>> => Promise.all(target.gateways.map((gateway) => gateway.scrape()));
    await scrapeAll(); // resets the event-loop delay histograms: the next scrape covers this run only
    const redisBefore = target.redis ? await redisCommandCount(target.redis) : 0;
    const cpuBefore = this.cpuReadings(target);
    const machineBefore = machineBusyMs();
    const wallStart = performance.now();
    const samplers = target.gateways.map((gateway) => new RssSampler(gateway.pid));
    const scrapes: Array<Map<string, number>> = [];
    let allOpen: Pick<GatewayReadings, 'rssAllOpenMiB' | 'streamsOpenAllOpen'> | undefined;
    const stopListening = this.loadGenerator.onEvent((message) => {
      if (message.event !== 'all-open' || target.gateways.length === 0) return;
      const rss = samplers.reduce((sum, sampler) => sum + sampler.sample(), 0);
      void scrapeAll().then((maps) => {
        scrapes.push(...maps);
        allOpen = { rssAllOpenMiB: rss / 2 ** 20, streamsOpenAllOpen: maps.reduce((sum, map) => sum + sumMatching(map, 'geminicli2api_streams_open'), 0) };
      });
    });
    let load: LoadResult;
    try {
      load = await this.loadGenerator.call<LoadResult>({ spec });
    } finally {
      stopListening();
    }
    const cpuAfter = this.cpuReadings(target);
    const machineAfter = machineBusyMs();
    const wallMs = performance.now() - wallStart;
    const rssPeaks = samplers.map((sampler) => sampler.stop());
    scrapes.push(...(await scrapeAll()));
    const redisCommands = target.redis ? (await redisCommandCount(target.redis)) - redisBefore : undefined;
    const answers = Math.max(1, load.completed + (load.warmupCompleted ?? 0));
    const cpuMs = {
      systemUnderTest: cpuAfter.systemUnderTest - cpuBefore.systemUnderTest,
      emulator: cpuAfter.emulator - cpuBefore.emulator,
      loadGenerator: cpuAfter.loadGenerator - cpuBefore.loadGenerator,
    };
    if (load.failed > 0) notes.push(`${load.failed} of ${load.measured} failed: ${JSON.stringify(load.failures)}`);
    return {
      scenario,
      target: target.id,
      label: target.label,
      load,
      cpuMs,
      cpuPerRequestUs: target.pids.length > 0 ? (cpuMs.systemUnderTest * 1000) / answers : 0,
      foreignCores: Math.max(0, machineAfter - machineBefore - cpuMs.systemUnderTest - cpuMs.emulator - cpuMs.loadGenerator) / wallMs,
      wallMs,
      gateway: target.gateways.length > 0 ? gatewayReadings(scrapes, rssPeaks, allOpen) : undefined,
      redisCommandsExecutedPerRequest: redisCommands === undefined ? undefined : redisCommands / answers,
      notes,
    };
  }

  private cpuReadings(target: Target): Measurement['cpuMs'] {
    return {
      systemUnderTest: target.pids.reduce((sum, pid) => sum + cpuTimeMs(pid), 0),
      emulator: cpuTimeMs(this.emulator.pid),
      loadGenerator: cpuTimeMs(this.loadGenerator.pid),
    };
  }

  async stop(): Promise<void> {
    await this.emulator.call({ cmd: 'close' }).catch(() => undefined);
    await Promise.all([this.emulator.stop(), this.loadGenerator.stop()]);
  }
}

function sumMatching(metrics: Map<string, number>, name: string): number {
  let sum = 0;
  for (const [key, value] of metrics) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

function gatewayReadings(scrapes: Array<Map<string, number>>, rssPeaks: number[], allOpen?: Pick<GatewayReadings, 'rssAllOpenMiB' | 'streamsOpenAllOpen'>): GatewayReadings {
  const delay = (name: string): number => {
    const values = scrapes.map((metrics) => metrics.get(name)).filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
    return values.length === 0 ? Number.NaN : Math.max(0, Math.max(...values) - EVENT_LOOP_RESOLUTION_S) * 1000;
  };
  return {
    eventLoopDelayP99Ms: delay('nodejs_eventloop_lag_p99_seconds'),
    eventLoopDelayMaxMs: delay('nodejs_eventloop_lag_max_seconds'),
    rssPeakMiB: rssPeaks.reduce((sum, peak) => sum + peak, 0) / 2 ** 20,
    ...allOpen,
  };
}

/** Commands Redis executed so far (INFO itself excluded). */
export async function redisCommandCount(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    if (match[1] !== 'info') total += Number(match[2]);
  }
  return total;
}
