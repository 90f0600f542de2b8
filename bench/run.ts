/**
 * `npm run bench` — bounded load scenarios on loopback against the project's Google emulator:
 * direct, nginx pass-through and the gateway side by side, plus the gateway's variants. Prints a
 * Markdown report on stdout (progress goes to stderr) and writes the raw results as JSON.
 *
 *   node dist/bench/run.js                   the full run (about 10 minutes)
 *   node dist/bench/run.js --smoke           every code path in a few seconds (CI)
 *   node dist/bench/run.js --profile         the gateway under `node --cpu-prof` at c=64, summarized
 *   node dist/bench/run.js --profile-redis   the same with the Redis limiter on
 *   node dist/bench/run.js --summarize F     summarize an existing .cpuprofile
 *   node dist/bench/run.js --render F.json   print the Markdown report of an earlier run's JSON
 *   --only G1,G2                             only these groups: latency, throughput, slow, stream, open,
 *                                            redis, info, replicas (the report shows "—" for the rest)
 *   --only hostile                           hostile bodies: peak RSS per MB of body, 5xx over a seeded fuzz
 *   --out DIR                                where the JSON goes (default bench/results)
 *   --report FILE                            also write the Markdown report to FILE
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { renderProfileSummary, summarizeProfile } from './lib/cpu-profile';
import { startBenchGateway } from './lib/gateway';
import { BenchHarness } from './lib/harness';
import { FULL_PLAN, SCENARIO_GROUPS, SMOKE_PLAN, type BenchPlan, type ScenarioGroup } from './lib/plan';
import { descriptorLimit } from './lib/procfs';
import { renderReport, type Verdict } from './lib/report';
import { runBench, type BenchRun } from './lib/scenarios';
import { runHostileBench } from './lib/hostile';
import { startRedis } from '../test/support/redis';
import { behaviours, geminiRequest, openaiRequest } from './lib/targets';

const REPOSITORY_ROOT = resolve(__dirname, '../..');

interface Options {
  smoke: boolean;
  profile: boolean;
  profileRedis: boolean;
  summarize?: string;
  render?: string;
  outDir: string;
  reportFile?: string;
  only?: Set<ScenarioGroup>;
  hostile: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { smoke: false, profile: false, profileRedis: false, hostile: false, outDir: join(REPOSITORY_ROOT, 'bench/results') };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === '--smoke') options.smoke = true;
    else if (argument === '--profile') options.profile = true;
    else if (argument === '--profile-redis') options.profile = options.profileRedis = true;
    else if (argument === '--summarize') options.summarize = argv[++index];
    else if (argument === '--render') options.render = argv[++index];
    else if (argument === '--out') options.outDir = resolve(argv[++index]);
    else if (argument === '--report') options.reportFile = resolve(argv[++index]);
    else if (argument === '--only' && argv[index + 1] === 'hostile') {
      options.hostile = true;
      index += 1;
    } else if (argument === '--only') {
      const groups = (argv[++index] ?? '').split(',').filter(Boolean);
      const unknown = groups.filter((group) => !(SCENARIO_GROUPS as readonly string[]).includes(group));
      if (unknown.length > 0 || groups.length === 0) throw new Error(`--only takes a comma-separated list of ${SCENARIO_GROUPS.join(', ')}`);
      options.only = new Set(groups as ScenarioGroup[]);
    }
    else throw new Error(`unknown option ${argument} (see the header of bench/run.ts)`);
  }
  return options;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function versionOf(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n')[0] || 'not installed';
}

export function machine(): Record<string, string | number> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    nginx: versionOf('nginx', ['-v']).replace(/^nginx version: /, ''),
    redis: versionOf('redis-server', ['--version']).replace(/^Redis server v=/, '').split(' ')[0],
    openFilesLimit: descriptorLimit(process.pid),
  };
}

/** The gateway under `node --cpu-prof` for the throughput and stream loads, then its profile summarized. */
async function profile(plan: BenchPlan, harness: BenchHarness, withRedis: boolean): Promise<string> {
  const directory = mkdtempSync(join(tmpdir(), 'gcli2api-bench-prof-'));
  await harness.setBehaviour(behaviours.fast);
  const redis = withRedis ? await startRedis() : undefined;
  const gateway = await startBenchGateway({ emulator: harness.upstream, cpuProfileDir: directory, ...(redis ? { redisUrl: redis.url, maxConcurrent: 1_000 } : {}) });
  const loop = plan.throughput[0];
  try {
    for (const request of [openaiRequest({ origin: gateway.url, stream: false }), geminiRequest({ origin: gateway.url, stream: false })]) {
      await harness.measure('profile', { id: 'profile', label: `profiled ${request.path}`, request: () => request, pids: [gateway.pid], gateways: [gateway] }, { kind: 'closed', request, chunkDelayMs: 0, requestTimeoutMs: plan.requestTimeoutMs, ...loop }).then((m) => log(`profiled ${request.path}: ${m.load.ratePerSecond.toFixed(0)}/s, ${m.cpuPerRequestUs.toFixed(0)} µs CPU per answer`));
    }
    await harness.setBehaviour(behaviours.streamed(plan.stream.chunks, plan.stream.chunkDelayMs));
    const streamRequest = openaiRequest({ origin: gateway.url, stream: true });
    await harness.measure('profile', { id: 'profile', label: 'profiled stream', request: () => streamRequest, pids: [gateway.pid], gateways: [gateway] }, { kind: 'closed', request: streamRequest, requestTimeoutMs: plan.requestTimeoutMs, ...plan.stream });
  } finally {
    await gateway.stop();
    await redis?.stop();
  }
  const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${directory}`);
  log(`profile: ${join(directory, file)}`);
  return renderProfileSummary(summarizeProfile(join(directory, file)));
}

interface RunMeta {
  plan: string;
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: ReturnType<typeof machine>;
  otherLoadCores: { mean: number; max: number };
}

function renderMarkdown(plan: BenchPlan, run: BenchRun, meta: RunMeta): { markdown: string; verdicts: Verdict[] } {
  const report = renderReport(plan, run);
  const seconds = (new Date(meta.finishedAt).getTime() - new Date(meta.startedAt).getTime()) / 1000;
  const { machine: host } = meta;
  const header = `Run ${meta.startedAt} (${meta.plan}, ${seconds.toFixed(0)} s, \`${meta.command}\`) on ${host.cores} × ${host.cpu}, ${host.memoryGiB} GiB, Linux ${host.kernel}, Node ${host.node}, nginx ${host.nginx}, Redis ${host.redis}, open files limit ${host.openFilesLimit}. CPU used by other processes on the machine during the runs: ${meta.otherLoadCores.mean.toFixed(2)} cores on average, ${meta.otherLoadCores.max.toFixed(2)} at most (per-run figures in the JSON).\n\n`;
  return { markdown: `${header}${report.markdown}`, verdicts: report.verdicts };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.summarize) {
    process.stdout.write(renderProfileSummary(summarizeProfile(options.summarize)));
    return;
  }
  if (options.render) {
    const saved = JSON.parse(readFileSync(options.render, 'utf8')) as BenchRun & { meta: RunMeta; plan: BenchPlan & { only?: ScenarioGroup[] } };
    const savedPlan: BenchPlan = { ...saved.plan, only: saved.plan.only ? new Set(saved.plan.only) : undefined };
    process.stdout.write(renderMarkdown(savedPlan, saved, saved.meta).markdown);
    return;
  }
  const plan: BenchPlan = { ...(options.smoke ? SMOKE_PLAN : FULL_PLAN), only: options.only };
  // A hard bound on the whole run, whatever happens below.
  const watchdog = setTimeout(() => {
    log(`bench: giving up after the ${options.smoke ? 'smoke' : 'full'} run's time bound`);
    process.exit(2);
  }, options.smoke ? 90_000 : options.profile ? 300_000 : 40 * 60_000);
  watchdog.unref();
  const startedAt = new Date();
  const harness = await BenchHarness.start(__dirname);
  try {
    if (options.profile) {
      process.stdout.write(await profile(plan, harness, options.profileRedis));
      return;
    }
    if (options.hostile) {
      await harness.setBehaviour(behaviours.fast);
      process.stdout.write(await runHostileBench(harness.upstream, log));
      return;
    }
    log(`bench (${plan.name}): emulator pid ${harness.emulator.pid}, load generator pid ${harness.loadGenerator.pid}`);
    const run = await runBench(plan, harness, log);
    const finishedAt = new Date();
    const foreign = run.measurements.map((measurement) => measurement.foreignCores);
    const meta: RunMeta & { loadAverageAtEnd: number[] } = {
      plan: plan.name,
      loadAverageAtEnd: loadavg(),
      otherLoadCores: { mean: foreign.reduce((sum, value) => sum + value, 0) / Math.max(1, foreign.length), max: Math.max(0, ...foreign) },
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      command: `node dist/bench/run.js ${process.argv.slice(2).join(' ')}`.trim(),
      machine: machine(),
    };
    const report = renderMarkdown(plan, run, meta);
    const markdown = report.markdown;
    process.stdout.write(markdown);
    mkdirSync(options.outDir, { recursive: true });
    const jsonPath = join(options.outDir, `bench-${plan.name}-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(jsonPath, `${JSON.stringify({ meta, plan: { ...plan, only: plan.only ? [...plan.only] : undefined }, ...run, verdicts: report.verdicts }, null, 2)}\n`);
    log(`results: ${jsonPath}`);
    if (options.reportFile) writeFileSync(options.reportFile, markdown);
  } finally {
    await harness.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(1);
  },
);
