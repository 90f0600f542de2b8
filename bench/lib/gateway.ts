/**
 * The gateway under test: the BUILT gateway (dist/apps/gateway/src/main.js) in its own process,
 * configured for an emulator account, with its metrics listener on a known port (METRICS_PORT=0
 * would pick one we could not learn from a child at LOG_LEVEL=warn, so we pick a free one).
 *
 * Why not test/support/gateway-process.ts `spawnGateway`: it finds the entry point relative to
 * its TypeScript source (`../../dist/...`), which points at dist/dist/... once compiled — and the
 * bench runs compiled. This is the same spawn (own cwd and HOME, only the given env) plus what a
 * bench needs: node flags (`--cpu-prof`) and stdout drained without keeping every log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, waitForHttp } from '../../test/support/ports';
import { track } from './cleanup';

/** dist/bench/lib → dist/apps/gateway/src/main.js */
const GATEWAY_ENTRY = resolve(__dirname, '../../apps/gateway/src/main.js');

export const BENCH_CLIENT_KEY = 'sk-bench-client-key-0123456789';

export interface EmulatorEndpoints {
  url: string;
  tokenUrl: string;
  refreshToken: string;
}

export interface BenchGatewayOptions {
  emulator: EmulatorEndpoints;
  logLevel?: 'warn' | 'info';
  /** Shared state and limiter on Redis. */
  redisUrl?: string;
  /** UPSTREAM_MAX_CONCURRENT (0 = limiter off). */
  maxConcurrent?: number;
  /** Directory for `node --cpu-prof` output (profile written when the gateway exits). */
  cpuProfileDir?: string;
  extraEnv?: Record<string, string>;
  /** Extra node flags (e.g. `--trace-gc`). */
  nodeFlags?: string[];
  /** Every chunk the gateway writes to stdout/stderr. */
  onOutput?(chunk: string): void;
}

export interface BenchGateway {
  url: string;
  pid: number;
  metricsUrl: string;
  /** Bytes the gateway wrote to stdout/stderr (its logs). */
  outputBytes(): number;
  /** The last lines it wrote (for error messages). */
  recentOutput(): string[];
  /** Prometheus text of /metrics, parsed into `name{labels}` → value. */
  scrape(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export async function startBenchGateway(options: BenchGatewayOptions): Promise<BenchGateway> {
  if (!existsSync(GATEWAY_ENTRY)) throw new Error(`${GATEWAY_ENTRY} is missing: run \`npm run build\` first (npm run bench does).`);
  const [port, metricsPort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: String(port),
    CODE_ASSIST_ENDPOINT: options.emulator.url,
    GOOGLE_OAUTH_TOKEN_URL: options.emulator.tokenUrl,
    GEMINI_CREDENTIALS: JSON.stringify({ refresh_token: options.emulator.refreshToken, token_type: 'Bearer' }),
    GEMINI_AUTH_PASSWORD: BENCH_CLIENT_KEY,
    LOG_LEVEL: options.logLevel ?? 'warn',
    METRICS_PORT: String(metricsPort),
    METRICS_HOST: '127.0.0.1',
    DRAIN_DELAY_MS: '0',
    DRAIN_TIMEOUT_MS: '2000',
    UPSTREAM_MAX_CONCURRENT: String(options.maxConcurrent ?? 0),
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: `bench-${port}:` } : {}),
    ...options.extraEnv,
  };
  const home = mkdtempSync(join(tmpdir(), 'gcli2api-bench-home-'));
  const execArgv = [...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []), ...(options.nodeFlags ?? [])];
  const child: ChildProcess = spawn(process.execPath, [...execArgv, GATEWAY_ENTRY], {
    cwd: home,
    env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let bytes = 0;
  let recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      options.onOutput?.(chunk.toString('utf8'));
      recent.push(chunk.toString('utf8'));
      if (recent.length > 50) recent = recent.slice(-20);
    });
  }
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitForHttp(`${url}/health/ready`, { status: 200, timeoutMs: 20_000 }),
      exited.then(() => {
        throw new Error(`gateway exited early:\n${recent.join('')}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  return {
    url,
    pid: child.pid ?? 0,
    metricsUrl,
    outputBytes: () => bytes,
    recentOutput: () => recent.join('').split('\n').filter(Boolean).slice(-20),
    scrape: () => scrapeMetrics(metricsUrl),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Parses Prometheus text exposition (no exemplars): `name{labels} value` lines. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const response = await fetch(url);
  const text = await response.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}
