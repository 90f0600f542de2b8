import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerCleanup } from '../../support/cleanup';
import { startEmulator, type GoogleEmulator } from '../../support/emulator';
import { credentialFor } from '../../support/gateway-harness';
import { spawnGateway, type GatewayProcess } from '../../support/gateway-process';
import { startNginx, type NginxHandle } from '../../support/nginx';
import { startRedis, type RedisServer } from '../../support/redis';

const ADMIN_KEY = 'admin-key-for-usage-0123';

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * Per-key policy on a team gateway: three replicas behind the shipped nginx, one Redis, a keys file
 * every replica reads. The limits must be the cluster's, not one replica's.
 */
describe('client keys with limits, the same on every replica', () => {
  let emulator: GoogleEmulator;
  let redis: RedisServer;
  let replicas: GatewayProcess[];
  let nginx: NginxHandle;
  let keysFile: string;
  const keys: Array<Record<string, unknown>> = [
    { name: 'rpm30', key: 'sk-team-rpm30-secret', requestsPerMinute: 30 },
    { name: 'conc2', key: 'sk-team-conc2-secret', maxConcurrent: 2 },
    { name: 'budget', key: 'sk-team-budget-secret', tokensPerDay: 100 },
    { name: 'flash-only', key: 'sk-team-flash-secret', models: ['gemini-2.5-flash*'] },
    { name: 'expired', key: 'sk-team-expired-secret', expiresAt: '2020-01-01T00:00:00Z' },
    { name: 'usage', key: 'sk-team-usage-secret' },
  ];

  const writeKeys = () => {
    // Replace the file in one step, as a Secret update does (a reader never sees half a file).
    const next = `${keysFile}.next`;
    writeFileSync(next, JSON.stringify({ keys }));
    renameSync(next, keysFile);
  };

  const openai = (baseUrl: string, key: string, model = 'gemini-2.5-flash', stream = false): Promise<Answer> => fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hello team' }] }),
  }).then(async (response) => ({ status: response.status, headers: response.headers, body: await response.text() }));

  const gemini = (baseUrl: string, key: string, model = 'gemini-2.5-flash'): Promise<Answer> => fetch(`${baseUrl}/v1beta/models/${model}:generateContent`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hello team' }] }] }),
  }).then(async (response) => ({ status: response.status, headers: response.headers, body: await response.text() }));

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-team' });
    redis = await startRedis();
    const directory = mkdtempSync(join(tmpdir(), 'gcli2api-keys-'));
    registerCleanup(() => rmSync(directory, { recursive: true, force: true }));
    keysFile = join(directory, 'keys.json');
    writeKeys();
    const env = {
      CODE_ASSIST_ENDPOINT: emulator.url,
      GOOGLE_OAUTH_TOKEN_URL: emulator.tokenUrl,
      GEMINI_CREDENTIALS: JSON.stringify(credentialFor('rt-team')),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'team-test:',
      CLIENT_KEYS_FILE: keysFile,
      CLIENT_KEYS_RELOAD_MS: '500',
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'warn',
    };
    replicas = await Promise.all([0, 1, 2].map(() => spawnGateway(env, { waitForReady: true })));
    nginx = await startNginx({ upstreams: replicas.map((replica) => `127.0.0.1:${replica.port}`) });
  }, 90_000);

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all((replicas ?? []).map((replica) => replica.stop('SIGKILL')));
    await redis?.stop();
    await emulator?.close();
  });

  it('gives a key with requestsPerMinute 30 exactly 30 of 45 concurrent requests over both surfaces; the rest get 429 with Retry-After', async () => {
    emulator.setDefaultBehaviour({ kind: 'text' });
    const answers = await Promise.all(Array.from({ length: 45 }, (_unused, index) => (index % 2 === 0 ? openai : gemini)(nginx.url, 'sk-team-rpm30-secret')));
    const accepted = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(accepted).toHaveLength(30);
    expect(refused).toHaveLength(15);
    for (const answer of refused) {
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(answer.headers.get('x-ratelimit-limit-requests')).toBe('30');
      expect(answer.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      const error = (JSON.parse(answer.body) as { error: Record<string, unknown> }).error;
      // Each surface answers in its own dialect.
      if ('type' in error) expect(error).toMatchObject({ type: 'rate_limit_error', code: 'key_rate_limited' });
      else expect(error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    }
    expect(refused.some((answer) => 'type' in JSON.parse(answer.body).error) && refused.some((answer) => !('type' in JSON.parse(answer.body).error))).toBe(true);
    const remaining = accepted.map((answer) => Number(answer.headers.get('x-ratelimit-remaining-requests'))).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 30 }, (_unused, index) => index));
  });

  it('never lets a key with maxConcurrent 2 have more than 2 calls in flight at Google, whichever replica serves them', async () => {
    emulator.setDefaultBehaviour({ kind: 'text', chunks: ['slow ', 'stream'], chunkDelayMs: 400 });
    emulator.resetCounters();
    const answers = await Promise.all(Array.from({ length: 10 }, () => openai(nginx.url, 'sk-team-conc2-secret', 'gemini-2.5-flash', true)));
    emulator.setDefaultBehaviour({ kind: 'text' });
    expect(emulator.counters().maxInFlight).toBeLessThanOrEqual(2);
    const served = answers.filter((answer) => answer.status === 200);
    expect(served.length).toBeGreaterThanOrEqual(2);
    for (const answer of served) expect(answer.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(served.length + refused.length).toBe(10);
    for (const answer of refused) expect(JSON.parse(answer.body).error.code).toBe('key_concurrency_exceeded');
    // Once they finished, the leases are free again.
    expect((await openai(nginx.url, 'sk-team-conc2-secret')).status).toBe(200);
  });

  it('refuses a tokensPerDay key only once the budget is used up', async () => {
    emulator.setDefaultBehaviour({ kind: 'text', usage: { promptTokenCount: 40, candidatesTokenCount: 20, thoughtsTokenCount: 0, totalTokenCount: 60 } });
    const first = await openai(nginx.url, 'sk-team-budget-secret');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe('100');
    const second = await openai(nginx.url, 'sk-team-budget-secret');
    expect(second.status).toBe(200);
    expect(second.headers.get('x-ratelimit-remaining-tokens')).toBe('40');
    const third = await gemini(nginx.url, 'sk-team-budget-secret');
    emulator.setDefaultBehaviour({ kind: 'text' });
    expect(third.status).toBe(429);
    expect(JSON.parse(third.body).error.status).toBe('RESOURCE_EXHAUSTED');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(third.headers.get('retry-after'))).toBeLessThanOrEqual(86_400);
  });

  it('answers 403 for a model outside the allow-list and 401 for an expired key, in each dialect', async () => {
    expect((await openai(nginx.url, 'sk-team-flash-secret', 'gemini-2.5-flash-lite')).status).toBe(200);
    const forbidden = await openai(nginx.url, 'sk-team-flash-secret', 'gemini-2.5-pro');
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.body).error).toMatchObject({ type: 'permission_error', code: 'model_not_allowed' });
    const forbiddenGemini = await gemini(nginx.url, 'sk-team-flash-secret', 'gemini-2.5-pro');
    expect(forbiddenGemini.status).toBe(403);
    expect(JSON.parse(forbiddenGemini.body).error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
    const expired = await openai(nginx.url, 'sk-team-expired-secret');
    expect(expired.status).toBe(401);
    expect(JSON.parse(expired.body).error.message).toContain('expired');
  });

  it('makes a key added to the file work on every replica within 5 s', async () => {
    keys.push({ name: 'newcomer', key: 'sk-team-newcomer-secret' });
    expect((await openai(replicas[0].url, 'sk-team-newcomer-secret')).status).toBe(401);
    const addedAt = Date.now();
    writeKeys();
    const readyAfter = await Promise.all(replicas.map(async (replica) => {
      for (;;) {
        if ((await openai(replica.url, 'sk-team-newcomer-secret')).status === 200) return Date.now() - addedAt;
        if (Date.now() - addedAt > 10_000) return Infinity;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }));
    for (const elapsed of readyAfter) expect(elapsed).toBeLessThan(5_000);
  });

  it('keeps the last good keys when the file stops parsing, on every replica', async () => {
    const next = `${keysFile}.next`;
    writeFileSync(next, 'keys: [ {name: broken');
    renameSync(next, keysFile);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const replica of replicas) expect((await openai(replica.url, 'sk-team-newcomer-secret')).status).toBe(200);
    writeKeys();
  });

  it('reports usage whose totals equal what the clients were told, summed over the replicas', async () => {
    emulator.setDefaultBehaviour({ kind: 'text', thoughts: ['thinking'], usage: { promptTokenCount: 11, candidatesTokenCount: 7, thoughtsTokenCount: 5, totalTokenCount: 23 } });
    const told = { requests: 0, prompt: 0, completion: 0, reasoning: 0 };
    for (let index = 0; index < 6; index += 1) {
      const answer = await openai(nginx.url, 'sk-team-usage-secret');
      expect(answer.status).toBe(200);
      const usage = JSON.parse(answer.body).usage as { prompt_tokens: number; completion_tokens: number; completion_tokens_details?: { reasoning_tokens?: number } };
      told.requests += 1;
      told.prompt += usage.prompt_tokens;
      told.completion += usage.completion_tokens;
      told.reasoning += usage.completion_tokens_details?.reasoning_tokens ?? 0;
    }
    emulator.setDefaultBehaviour({ kind: 'text' });
    const today = new Date().toISOString().slice(0, 10);
    // Replicas write usage every 5 s (never per request): wait for every replica's flush.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const response = await fetch(`${replicas[2].url}/admin/usage?key=usage&from=${today}&to=${today}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(response.status).toBe(200);
    const { rows } = (await response.json()) as { rows: Array<Record<string, number | string>> };
    expect(rows).toEqual([{ key: 'usage', model: 'gemini-2.5-flash', date: today, requests: told.requests, promptTokens: told.prompt, completionTokens: told.completion, reasoningTokens: told.reasoning, errors: 0 }]);
    expect(told.reasoning).toBe(30);
    const csv = await (await fetch(`${replicas[0].url}/admin/usage?key=usage&from=${today}&to=${today}&format=csv`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
    expect(csv).toBe(`key,model,date,requests,promptTokens,completionTokens,reasoningTokens,errors\nusage,gemini-2.5-flash,${today},${told.requests},${told.prompt},${told.completion},${told.reasoning},0\n`);
    // Requests the gateway's own limits refused are not counted as requests.
    const rpm = (await (await fetch(`${replicas[1].url}/admin/usage?key=rpm30`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { rows: Array<{ requests: number }> };
    expect(rpm.rows.reduce((sum, row) => sum + row.requests, 0)).toBe(30);
  });
});
