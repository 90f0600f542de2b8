import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { registerCleanup } from '../../support/cleanup';
import { startRedis } from '../../support/redis';
import { emulateDirective, startEmulator, type GoogleEmulator } from '../../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../../support/gateway-harness';
import { freePort } from '../../support/nginx';
import { startPrometheus, type PrometheusHandle } from '../../support/prometheus';
import { join } from 'node:path';
import { panelQueries, type PanelQuery } from './helpers/dashboards';
import { REPO_ROOT } from './helpers/helm';
import { substituteGrafanaVariables } from './helpers/promql';
import { startSyntheticExporter, type SyntheticExporter } from './helpers/synthetic-exporter';

/**
 * Every dashboard panel shows data: a real Prometheus scrapes a real gateway (metrics port) while
 * a short load runs through every surface, including the unhappy paths the error, 429, limiter and
 * refresh panels are about; then each panel query must return at least one series.
 *
 * SKIPPED until test/support/gateway-harness.ts's startGateway() returns `metricsUrl` (the
 * gateway's METRICS_PORT endpoint). Run it anyway with DASHBOARDS_LIVE=1, or against a gateway
 * that is already running with GATEWAY_METRICS_TARGET=host:port GATEWAY_URL=http://host:port
 * GATEWAY_CLIENT_KEY=... (the load then skips the emulator-driven error cases).
 */
const LIVE_ENABLED = true;
const describeLive = LIVE_ENABLED ? describe : describe.skip;

const SECOND_KEY = 'sk-live-second-client-0123456789';
const LIMITED_KEY = 'sk-live-limited-client-0123456789';

/** A keys file with one key allowed a single request a minute (the per-key panels need a refusal). */
function limitedKeysFile(): string {
  const directory = mkdtempSync(join(tmpdir(), 'gcli2api-live-keys-'));
  registerCleanup(() => rmSync(directory, { recursive: true, force: true }));
  const file = join(directory, 'keys.json');
  writeFileSync(file, JSON.stringify({ keys: [{ name: 'limited', key: LIMITED_KEY, requestsPerMinute: 1 }] }));
  return file;
}

/** Where the gateway under test serves its API and exports metrics. */
export interface LiveGateway {
  /** host:port of the metrics endpoint (path /metrics). */
  metricsTarget: string;
  apiUrl: string;
  clientKey: string;
  secondClientKey?: string;
  emulator?: GoogleEmulator;
  stop(): Promise<void>;
}


/**
 * THE hook to replace: how this test gets a gateway with a metrics endpoint. Today it starts one
 * in-process through the harness (needs `metricsUrl` there) with Redis and a tight limiter, or
 * uses an external one from GATEWAY_METRICS_TARGET.
 */
async function startLiveGateway(): Promise<LiveGateway> {
  if (process.env.GATEWAY_METRICS_TARGET) {
    return {
      metricsTarget: process.env.GATEWAY_METRICS_TARGET,
      apiUrl: process.env.GATEWAY_URL ?? 'http://127.0.0.1:8888',
      clientKey: process.env.GATEWAY_CLIENT_KEY ?? TEST_CLIENT_KEY,
      stop: async () => undefined,
    };
  }
  const redis = await startRedis();
  const emulator = await startEmulator();
  emulator.addAccount({ refreshToken: 'rt-live' });
  const metricsPort = await freePort();
  let gateway: GatewayHarness;
  try {
    gateway = await startGateway({
      emulator,
      credentials: credentialFor('rt-live'),
      env: {
        GATEWAY_API_KEYS: `second:${SECOND_KEY}`,
        CLIENT_KEYS_FILE: limitedKeysFile(),
        MODEL_FALLBACKS: 'gemini-2.5-flash-lite=gemini-2.5-flash',
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: `live-${process.pid}:`,
        UPSTREAM_MAX_CONCURRENT: '1',
        UPSTREAM_QUEUE_MAX: '1',
        UPSTREAM_QUEUE_TIMEOUT_MS: '3000',
        METRICS_PORT: String(metricsPort),
      },
    });
  } catch (error) {
    await emulator.close();
    await redis.stop();
    throw error;
  }
  const metricsUrl = `${gateway.metricsUrl}/metrics`;
  const answered = await fetch(metricsUrl).then((response) => response.ok, () => false);
  if (!answered) {
    await gateway.close();
    await emulator.close();
    await redis.stop();
    throw new Error(`no metrics at ${metricsUrl}: does test/support/gateway-harness.ts start the metrics listener (metricsUrl)?`);
  }
  return {
    metricsTarget: new URL(metricsUrl).host,
    apiUrl: gateway.url,
    clientKey: TEST_CLIENT_KEY,
    secondClientKey: SECOND_KEY,
    emulator,
    stop: async () => {
      await gateway.close();
      await emulator.close();
      await redis.stop();
    },
  };
}

/** A short load touching every panel's subject. */
async function driveLoad(gateway: LiveGateway): Promise<void> {
  const call = async (path: string, init: { method?: string; key?: string | null; body?: unknown } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.key !== null) headers.authorization = `Bearer ${init.key ?? gateway.clientKey}`;
    const response = await fetch(`${gateway.apiUrl}${path}`, { method: init.method ?? (init.body ? 'POST' : 'GET'), headers, body: init.body ? JSON.stringify(init.body) : undefined });
    await response.arrayBuffer();
    return response.status;
  };
  const chat = (text: string, options: { stream?: boolean; key?: string; model?: string } = {}) =>
    call('/v1/chat/completions', { key: options.key, body: { model: options.model ?? 'gemini-2.5-flash', stream: options.stream ?? false, stream_options: options.stream ? { include_usage: true } : undefined, messages: [{ role: 'user', content: text }] } });
  const gemini = (method: string, text: string) => call(`/v1beta/models/gemini-2.5-flash:${method}`, { body: { contents: [{ role: 'user', parts: [{ text }] }] } });

  for (let round = 0; round < 3; round += 1) {
    await call('/v1/models');
    await call('/v1/models', { key: null }); // 401
    await chat('hello');
    await chat('stream please', { stream: true });
    if (gateway.secondClientKey) await chat('from the second key', { key: gateway.secondClientKey, stream: true });
    if (gateway.emulator) {
      for (let twice = 0; twice < 2; twice += 1) await chat('limited key', { key: LIMITED_KEY }); // one 429 per round
      // The first round's 429 cools flash-lite for 10 minutes; every round is then served by its fallback.
      if (round === 0) gateway.emulator.enqueue({ kind: 'error', error: 'rate-limit', retryDelaySeconds: 600 });
      await chat('fall back', { model: 'gemini-2.5-flash-lite' });
    }
    await gemini('generateContent', 'hi');
    await gemini('streamGenerateContent?alt=sse', 'hi');
    await gemini('countTokens', 'count me');
    if (gateway.emulator) {
      await chat(`fail ${emulateDirective({ kind: 'error', error: 'server' })}`);
      await chat(`limited ${emulateDirective({ kind: 'error', error: 'rate-limit', retryDelaySeconds: 0 })}`);
      await chat(`quota ${emulateDirective({ kind: 'error', error: 'daily-quota' })}`);
      // Saturate the limiter (cap 1, queue 1): one runs, one waits, the rest are rejected.
      const slow = emulateDirective({ kind: 'text', chunks: ['s', 'l', 'o', 'w'], firstByteDelayMs: 400, chunkDelayMs: 50 });
      await Promise.all([0, 1, 2, 3].map((index) => chat(`burst ${index} ${slow}`, { stream: index % 2 === 0 })));
    }
    await new Promise((wake) => setTimeout(wake, 1_000));
  }
}

/** Runs every panel query (Grafana variables substituted); returns the ones without a series. */
async function emptyPanels(prometheus: PrometheusHandle, queries: PanelQuery[]): Promise<string[]> {
  const empty: string[] = [];
  for (const query of queries) {
    const expr = substituteGrafanaVariables(query.expr, { rateInterval: '30s', range: '5m' });
    const result = await prometheus.query(expr);
    const series = result.resultType === 'vector' || result.resultType === 'matrix' ? result.result.length : 1;
    if (series === 0) empty.push(`${query.panel} [${query.refId}]: ${query.expr}`);
  }
  return empty;
}

/**
 * Always runs: a synthetic exporter serving every contract metric stands in for the gateway, so the
 * dashboards (and the alert rules, loaded into the same Prometheus) are proven against a real
 * Prometheus even before the application exports its metrics.
 */
describe('Grafana dashboards and alert rules against a synthetic exporter of the contract metrics', () => {
  let exporter: SyntheticExporter;
  let prometheus: PrometheusHandle;

  beforeAll(async () => {
    exporter = await startSyntheticExporter();
    prometheus = await startPrometheus({ scrapeTargets: [exporter.target], scrapeIntervalSeconds: 1, ruleFiles: [join(REPO_ROOT, 'deploy/prometheus/geminicli2api.rules.yml')] });
    await prometheus.waitForTargets(20_000);
    await prometheus.waitForSamples('geminicli2api_http_requests_total', 3, 20_000);
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
  });

  it('every panel query returns data', async () => {
    expect(await emptyPanels(prometheus, await panelQueries())).toEqual([]);
  });

  it('every alert rule evaluates without error', async () => {
    const rules = await fetch(`${prometheus.url}/api/v1/rules`).then((response) => response.json() as Promise<{ data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> } }>);
    const evaluated = rules.data.groups.flatMap((group) => group.rules);
    expect(evaluated.length).toBeGreaterThan(5);
    expect(evaluated.filter((rule) => rule.health !== 'ok').map((rule) => `${rule.name}: ${rule.health} ${rule.lastError ?? ''}`)).toEqual([]);
  });
});

describeLive('Grafana dashboards against a live gateway', () => {
  let gateway: LiveGateway;
  let prometheus: PrometheusHandle;
  let queries: PanelQuery[];

  beforeAll(async () => {
    queries = await panelQueries();
    gateway = await startLiveGateway();
    prometheus = await startPrometheus({ scrapeTargets: [gateway.metricsTarget], scrapeIntervalSeconds: 1 });
    await prometheus.waitForTargets(20_000);
    await driveLoad(gateway);
    await prometheus.waitForSamples('geminicli2api_http_requests_total', 5, 20_000);
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await gateway?.stop();
  });

  it('every panel query returns data', async () => {
    expect(await emptyPanels(prometheus, queries)).toEqual([]);
  });
});
