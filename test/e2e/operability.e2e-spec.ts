import { spawnSync } from 'node:child_process';
import OpenAI from 'openai';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

/** Parses Prometheus text into `name{labels} value` lookups. */
function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

function sum(series: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of series) {
    if (!(key === name || key.startsWith(`${name}{`))) continue;
    if (Object.entries(labels).every(([label, expected]) => key.includes(`${label}="${expected}"`))) total += value;
  }
  return total;
}

describe('metrics, request ids and logs', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  const scrape = async () => parseMetrics(await (await fetch(`${gateway.metricsUrl}/metrics`)).text());

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-secret-refresh-token-ops' });
    gateway = await startGateway({
      emulator,
      credentials: credentialFor('rt-secret-refresh-token-ops', { label: 'ops-account' }),
      env: { GATEWAY_API_KEYS: 'alice:sk-alice-secret-key-1234', UPSTREAM_MAX_CONCURRENT: '4', LOG_LEVEL: 'debug' },
    });
  });

  afterAll(async () => {
    await gateway.close();
    await emulator.close();
  });

  it('moves the series with the right labels when traffic flows', async () => {
    const before = await scrape();
    const openai = new OpenAI({ apiKey: 'sk-alice-secret-key-1234', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    emulator.enqueue({ kind: 'text', chunks: ['hi'], thoughts: ['hmm'], usage: { promptTokenCount: 10, candidatesTokenCount: 4, thoughtsTokenCount: 6, totalTokenCount: 20 } });
    await openai.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'count me' }] });
    const stream = await openai.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'stream me' }], stream: true });
    for await (const _chunk of stream) { /* drain */ }
    emulator.enqueue({ kind: 'error', error: 'rate-limit', retryDelaySeconds: 5 });
    await openai.chat.completions.create({ model: 'gemini-2.5-flash-lite', messages: [{ role: 'user', content: 'limited' }] }).catch(() => undefined);
    await fetch(`${gateway.url}/health/ready`);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => sum(after, name, labels) - sum(before, name, labels);

    expect(delta('geminicli2api_http_requests_total', { route: '/v1/chat/completions', method: 'POST', status: '200', surface: 'openai', client: 'alice' })).toBe(2);
    expect(delta('geminicli2api_http_requests_total', { route: '/v1/chat/completions', status: '429', client: 'alice' })).toBe(1);
    expect(delta('geminicli2api_http_request_duration_seconds_count', { route: '/v1/chat/completions', surface: 'openai' })).toBe(3);
    expect(delta('geminicli2api_tokens_total', { model: 'gemini-2.5-flash', client: 'alice', type: 'prompt' })).toBe(10);
    expect(delta('geminicli2api_tokens_total', { model: 'gemini-2.5-flash', client: 'alice', type: 'completion' })).toBe(10);
    expect(delta('geminicli2api_tokens_total', { model: 'gemini-2.5-flash', client: 'alice', type: 'reasoning' })).toBe(6);
    expect(delta('geminicli2api_upstream_request_duration_seconds_count', { model: 'gemini-2.5-flash', method: 'generateContent', outcome: 'ok' })).toBe(1);
    expect(delta('geminicli2api_upstream_request_duration_seconds_count', { model: 'gemini-2.5-pro', method: 'streamGenerateContent', outcome: 'ok' })).toBe(1);
    expect(delta('geminicli2api_upstream_time_to_first_byte_seconds_count', { model: 'gemini-2.5-pro' })).toBe(1);
    expect(delta('geminicli2api_upstream_errors_total', { class: 'rate_limited', model: 'gemini-2.5-flash-lite' })).toBe(1);
    expect(delta('geminicli2api_stream_duration_seconds_count', { surface: 'openai', outcome: 'completed' })).toBe(1);
    expect(delta('geminicli2api_time_to_first_byte_seconds_count', { surface: 'openai', model: 'gemini-2.5-pro' })).toBe(1);
    expect(delta('geminicli2api_gateway_overhead_seconds_count', { surface: 'openai' })).toBeGreaterThanOrEqual(2);
    expect(delta('geminicli2api_limiter_queue_wait_seconds_count')).toBe(3);
    expect(sum(after, 'geminicli2api_limiter_max_concurrent')).toBe(4);
    expect(sum(after, 'geminicli2api_token_refreshes_total', { credential: 'ops-account', result: 'success' })).toBe(1);
    // Google's 429 (RetryInfo 5 s) on gemini-2.5-flash-lite cools the account for that model.
    expect(sum(after, 'geminicli2api_credential_state', { credential: 'ops-account', state: 'cooling_down' })).toBe(1);
    expect(sum(after, 'geminicli2api_shared_state_mode', { mode: 'local' })).toBe(1);
    expect(sum(after, 'geminicli2api_streams_open')).toBe(0);
    expect(sum(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(delta('geminicli2api_http_requests_total', { surface: 'health', route: '/health/ready' })).toBe(1);
  });

  it('passes promtool check metrics on our own series', async () => {
    const text = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
    // prom-client's default process/nodejs metrics are not ours to rename; lint what we declare.
    const ours = text.split('\n').filter((line) => /^(# (HELP|TYPE) )?geminicli2api_/.test(line)).join('\n') + '\n';
    const result = spawnSync('promtool', ['check', 'metrics'], { input: ours, encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it('adopts X-Request-ID, echoes it, and puts it on every log line of the request', async () => {
    const requestId = 'req-from-nginx-12345';
    const response = await fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY, 'x-request-id': requestId },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'trace me' }] }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const overhead = response.headers.get('x-gateway-overhead-ms');
    expect(overhead).toMatch(/^\d+\.\d{2}$/);
    expect(Number(overhead)).toBeLessThan(60_000);
    const lines = gateway.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.requestId === requestId);
    expect(lines.some((line) => line.msg === 'request' && line.status === 200 && line.route === '/v1beta/models/:modelAction')).toBe(true);
    const made = await fetch(`${gateway.url}/v1beta/models`, { headers: { 'x-goog-api-key': TEST_CLIENT_KEY, 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs an upstream failure under the request\'s id', async () => {
    emulator.enqueue({ kind: 'error', error: 'server' });
    await fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY, 'x-request-id': 'req-upstream-fail' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'fail' }] }] }),
    });
    const lines = gateway.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.requestId === 'req-upstream-fail');
    expect(lines.some((line) => line.msg === 'Google answered an error' && line.backend === 'code_assist')).toBe(true);
  });

  it('never lets a key, token or prompt reach the logs or the metrics', async () => {
    const metrics = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
    const logs = gateway.logs.join('\n');
    const accessTokens = emulator.requests.map((record) => String(record.headers.authorization ?? '').replace('Bearer ', '')).filter((token) => token.startsWith('ya29.'));
    expect(accessTokens.length).toBeGreaterThan(0);
    for (const secret of ['rt-secret-refresh-token-ops', 'sk-alice-secret-key-1234', TEST_CLIENT_KEY, ...new Set(accessTokens), 'count me', 'trace me', 'stream me']) {
      expect(logs).not.toContain(secret);
      expect(metrics).not.toContain(secret);
    }
  });
});
