/**
 * Launches a real Prometheus (the Debian `prometheus` package's binary) with a temp config and
 * storage dir, listening on a free loopback port, scraping the given targets.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { registerCleanup, trackChild } from './cleanup';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort } from './nginx';

export interface StartPrometheusOptions {
  /** Targets as 'host:port'; scraped at /metrics. */
  scrapeTargets: string[];
  /** Default 1. */
  scrapeIntervalSeconds?: number;
  /** Rule files (plain Prometheus format) copied into the temp dir and loaded. */
  ruleFiles?: string[];
  /** The `job` label of the scrape job (default geminicli2api). */
  jobName?: string;
  /** Default /metrics. */
  metricsPath?: string;
}

export interface PrometheusSample {
  metric: Record<string, string>;
  value: [number, string];
}

export type PrometheusQueryResult =
  | { resultType: 'vector'; result: PrometheusSample[] }
  | { resultType: 'matrix'; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }
  | { resultType: 'scalar' | 'string'; result: [number, string] };

export interface PrometheusHandle {
  url: string;
  port: number;
  /** Instant query; throws with Prometheus's error message on a bad expression. */
  query(expr: string): Promise<PrometheusQueryResult>;
  /** Resolves when every target was scraped successfully at least once (`up == 1`). */
  waitForTargets(timeoutMs?: number): Promise<void>;
  /** Resolves when the TSDB holds at least `count` samples of `metric` per target (for rate()). */
  waitForSamples(metric: string, count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  log(): string;
  directory: string;
}

export function findPrometheusBinary(name: 'prometheus' | 'promtool' = 'prometheus'): string {
  const which = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const found = which.status === 0 ? which.stdout.trim() : '';
  if (!found) throw new Error(`${name} not found (apt-get install prometheus; .ci/run does)`);
  return found;
}

function prometheusConfig(options: StartPrometheusOptions, ruleFileNames: string[]): string {
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  return [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    ...(ruleFileNames.length > 0 ? ['rule_files:', ...ruleFileNames.map((name) => `  - ${JSON.stringify(name)}`)] : []),
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(options.jobName ?? 'geminicli2api')}`,
    `    metrics_path: ${JSON.stringify(options.metricsPath ?? '/metrics')}`,
    `    scrape_timeout: ${interval}`,
    '    static_configs:',
    `      - targets: ${JSON.stringify(options.scrapeTargets)}`,
    '',
  ].join('\n');
}

export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusHandle> {
  // A free port can be taken between picking and binding it: pick again.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startPrometheusOnce(options);
    } catch (error) {
      const portRace = error instanceof Error && /address already in use/i.test(error.message);
      if (!portRace || attempt >= 3) throw error;
    }
  }
}

async function startPrometheusOnce(options: StartPrometheusOptions): Promise<PrometheusHandle> {
  const binary = findPrometheusBinary();
  const directory = await mkdtemp(join(tmpdir(), 'gcli2api-prometheus-'));
  const ruleFileNames: string[] = [];
  for (const [index, ruleFile] of (options.ruleFiles ?? []).entries()) {
    const name = `${index}-${basename(ruleFile)}`;
    await copyFile(ruleFile, join(directory, name));
    ruleFileNames.push(join(directory, name));
  }
  const configPath = join(directory, 'prometheus.yml');
  await writeFile(configPath, prometheusConfig(options, ruleFileNames));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(directory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
      `--web.console.templates=${join(directory, 'consoles')}`,
      `--web.console.libraries=${join(directory, 'console_libraries')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  trackChild(child);
  registerCleanup(() => rm(directory, { recursive: true, force: true }));
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(directory, { recursive: true, force: true });
  };

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string; errorType?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.errorType ?? ''} ${body.error ?? response.status}`);
    return body.data;
  };
  const query = (expr: string) => api<PrometheusQueryResult>(`/api/v1/query?query=${encodeURIComponent(expr)}`);

  const until = async (what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${output}`);
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`Prometheus: timed out waiting for ${what}\n${output}`);
      await new Promise((wake) => setTimeout(wake, 200));
    }
  };

  try {
    await until('readiness', 20_000, async () => (await fetch(`${url}/-/ready`)).ok);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    port,
    query,
    directory,
    log: () => output,
    stop,
    waitForTargets: (timeoutMs = 15_000) =>
      until('targets up', timeoutMs, async () => {
        const data = await api<{ activeTargets: Array<{ health: string }> }>('/api/v1/targets?state=active');
        return data.activeTargets.length === options.scrapeTargets.length && data.activeTargets.every((target) => target.health === 'up');
      }),
    waitForSamples: (metric, count, timeoutMs = 15_000) =>
      until(`${count} samples of ${metric}`, timeoutMs, async () => {
        const result = await query(`count_over_time(${metric}[10m])`);
        return result.resultType === 'vector' && result.result.length > 0 && result.result.every((sample) => Number(sample.value[1]) >= count);
      }),
  };
}

/** `promtool check rules <file>`; returns promtool's output, throws when it fails. */
export function promtoolCheckRules(file: string): string {
  const result = spawnSync(findPrometheusBinary('promtool'), ['check', 'rules', file], { encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) throw new Error(`promtool check rules ${file} failed:\n${output}`);
  return output;
}

/** `promtool test rules <files...>`; returns promtool's output, throws when a test fails. */
export function promtoolTestRules(files: string[], cwd?: string): string {
  const result = spawnSync(findPrometheusBinary('promtool'), ['test', 'rules', ...files], { encoding: 'utf8', cwd });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) throw new Error(`promtool test rules failed:\n${output}`);
  return output;
}

