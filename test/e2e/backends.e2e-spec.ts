import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import type { EmulatorRequestRecord } from '../support/emulator/types';
import { runDoctor } from '../../apps/cli/src';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

jest.setTimeout(60_000);

const ADMIN_KEY = 'admin-key-for-backends';
const API_KEY = 'AIzaSyEmulatedStudioKey0123456789abcdef';
const BAD_KEY = 'AIzaSyNotARealKeyAtAll0123456789abcdefg';
const SA_EMAIL = 'gateway@vx-project.iam.gserviceaccount.com';
const WI_EMAIL = 'workload@adc-project.iam.gserviceaccount.com';

/** Which model each backend serves in this gateway (the credentials' `models` globs route them). */
const MODEL = { codeAssist: 'gemini-2.5-flash', apiKey: 'gemini-2.5-flash-lite', vertexSa: 'gemini-3-flash-preview', vertexAdc: 'gemini-3-pro-preview', vertexKeyFile: 'gemini-3.1-pro-preview', shared: 'gemini-2.5-pro', badKey: 'gemini-2.5-flash-image-preview' };

type Backend = 'code_assist' | 'gemini_api' | 'vertex_sa' | 'vertex_adc' | 'vertex_key_file';

function generationRecords(emulator: GoogleEmulator, model: string): EmulatorRequestRecord[] {
  return emulator.requests.filter((record) => ['generateContent', 'streamGenerateContent'].includes(record.method) && (record.path.includes(`/models/${model}:`) || (record.body as { model?: string } | undefined)?.model === model));
}

/** The wire at the emulator: each backend's own path, auth and body (no Code Assist envelope on the public APIs). */
function expectWire(record: EmulatorRequestRecord, backend: Backend, model: string, stream: boolean): void {
  const method = stream ? 'streamGenerateContent' : 'generateContent';
  const body = record.body as Record<string, unknown>;
  expect(record.status).toBe(200);
  if (stream) expect(record.query).toEqual({ alt: 'sse' });
  if (backend === 'code_assist') {
    expect(record.path).toBe(`/v1internal:${method}`);
    expect(body).toMatchObject({ model, project: expect.any(String), request: { contents: expect.any(Array) } });
    return;
  }
  expect(Object.keys(body)).not.toEqual(expect.arrayContaining(['request']));
  expect(body).not.toHaveProperty('project');
  expect(body.contents).toEqual(expect.any(Array));
  if (backend === 'gemini_api') {
    expect(record.path).toBe(`/v1beta/models/${model}:${method}`);
    expect(record.headers['x-goog-api-key']).toBe(API_KEY);
    expect(record.headers.authorization).toBeUndefined();
    return;
  }
  const [project, location] = backend === 'vertex_adc' ? ['adc-project', 'global'] : ['vx-project', 'us-central1'];
  expect(record.path).toBe(`/v1/projects/${project}/locations/${location}/publishers/google/models/${model}:${method}`);
  expect(record.headers.authorization).toMatch(/^Bearer ya29\.c\.emu-/);
  expect(record.headers['x-goog-api-key']).toBeUndefined();
  expect(record.accountRefreshToken).toBe(backend === 'vertex_adc' ? WI_EMAIL : SA_EMAIL);
}

function signedAssertion(key: KeyObject, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(key).toString('base64url')}`;
}

describe('backends: Code Assist, Gemini API keys and Vertex AI in one pool', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  let openai: OpenAI;
  let genai: GoogleGenAI;
  let serviceAccountKey: KeyObject;
  let keyDir: string;
  let serviceAccountJson: Record<string, string>;
  const savedEnv = { GCE_METADATA_HOST: process.env.GCE_METADATA_HOST, GCE_METADATA_IP: process.env.GCE_METADATA_IP, GOOGLE_APPLICATION_CREDENTIALS: process.env.GOOGLE_APPLICATION_CREDENTIALS };

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-ca' });
    emulator.addApiKey(API_KEY);
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    serviceAccountKey = privateKey;
    emulator.addServiceAccount({ clientEmail: SA_EMAIL, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), projects: ['vx-project'] });
    emulator.enableMetadataServer({ email: WI_EMAIL, projects: ['adc-project'] });
    // google-auth-library finds the metadata server here (GKE Workload Identity in production).
    process.env.GCE_METADATA_HOST = `127.0.0.1:${emulator.port}`;
    delete process.env.GCE_METADATA_IP;
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    const serviceAccount = {
      type: 'service_account', project_id: 'vx-project', private_key_id: 'k1', client_email: SA_EMAIL,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), token_uri: emulator.tokenUrl,
    };
    serviceAccountJson = serviceAccount;
    // A key file as a Kubernetes Secret would mount it (the Helm chart's google.vertex.serviceAccountSecret).
    keyDir = await mkdtemp(join(tmpdir(), 'gcli2api-vertex-key-'));
    await writeFile(join(keyDir, 'key.json'), JSON.stringify(serviceAccount));
    gateway = await startGateway({
      emulator,
      credentials: [
        credentialFor('rt-ca', { label: 'ca', priority: 1, models: [MODEL.codeAssist, MODEL.shared] }),
        { type: 'gemini_api_key', api_key: API_KEY, label: 'studio-1', priority: 2, models: [MODEL.apiKey, MODEL.shared] },
        { ...serviceAccount, vertex: { project: 'vx-project', location: 'us-central1' }, label: 'vertex-sa', priority: 2, models: [MODEL.vertexSa] },
        { type: 'vertex_adc', project: 'adc-project', location: 'global', label: 'vertex-adc', priority: 2, models: [MODEL.vertexAdc] },
        { type: 'vertex_adc', project: 'vx-project', location: 'us-central1', key_file: join(keyDir, 'key.json'), label: 'vertex-key-file', priority: 2, models: [MODEL.vertexKeyFile] },
        { type: 'gemini_api_key', api_key: BAD_KEY, label: 'studio-bad', models: [MODEL.badKey] },
      ],
      env: { ADMIN_API_KEY: ADMIN_KEY, GEMINI_API_ENDPOINT: emulator.url, VERTEX_ENDPOINT: emulator.url },
    });
    openai = new OpenAI({ apiKey: TEST_CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    genai = new GoogleGenAI({ apiKey: TEST_CLIENT_KEY, httpOptions: { baseUrl: gateway.url, apiVersion: 'v1beta' } });
  });

  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  const cases: Array<[Backend, string]> = [['code_assist', MODEL.codeAssist], ['gemini_api', MODEL.apiKey], ['vertex_sa', MODEL.vertexSa], ['vertex_adc', MODEL.vertexAdc], ['vertex_key_file', MODEL.vertexKeyFile]];

  it.each(cases)('%s serves OpenAI chat, streamed and not, with its own wire format', async (backend, model) => {
    const before = generationRecords(emulator, model).length;
    const completion = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: `hello from ${backend}` }] });
    expect(completion.choices[0].message.content).toContain(`hello from ${backend}`);
    const stream = await openai.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: `stream from ${backend}` }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toContain(`stream from ${backend}`);
    const records = generationRecords(emulator, model).slice(before);
    expect(records).toHaveLength(2);
    expectWire(records[0], backend, model, false);
    expectWire(records[1], backend, model, true);
  });

  it.each(cases)('%s serves the Gemini API surface, streamed and not, and countTokens', async (backend, model) => {
    const before = generationRecords(emulator, model).length;
    const answer = await genai.models.generateContent({ model, contents: `gemini native via ${backend}` });
    expect(answer.text).toContain(`gemini native via ${backend}`);
    let text = '';
    for await (const chunk of await genai.models.generateContentStream({ model, contents: `gemini stream via ${backend}` })) text += chunk.text ?? '';
    expect(text).toContain(`gemini stream via ${backend}`);
    const records = generationRecords(emulator, model).slice(before);
    expect(records).toHaveLength(2);
    expectWire(records[0], backend, model, false);
    expectWire(records[1], backend, model, true);
    const counted = await genai.models.countTokens({ model, contents: 'count these words please' });
    expect(counted.totalTokens).toBeGreaterThan(0);
  });

  it('a 429 on the priority-1 Code Assist account fails the same request over to priority 2; later requests skip the cooling account', async () => {
    emulator.setAccountBehaviour('rt-ca', { kind: 'error', error: 'rate-limit', retryDelaySeconds: 30 });
    try {
      const caCalls = () => generationRecords(emulator, MODEL.shared).filter((record) => record.path.startsWith('/v1internal')).length;
      const keyCalls = () => generationRecords(emulator, MODEL.shared).filter((record) => record.path.startsWith('/v1beta/')).length;
      const first = await openai.chat.completions.create({ model: MODEL.shared, messages: [{ role: 'user', content: 'fail over please' }] });
      expect(first.choices[0].message.content).toContain('fail over please');
      expect(caCalls()).toBe(1);
      expect(keyCalls()).toBe(1);
      const second = await genai.models.generateContent({ model: MODEL.shared, contents: 'skip the cooling account' });
      expect(second.text).toContain('skip the cooling account');
      expect(caCalls()).toBe(1);
      expect(keyCalls()).toBe(2);
      const response = await fetch(`${gateway.url}/admin/status`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const status = (await response.json()) as { accounts: Array<Record<string, unknown>>; backends: Record<string, unknown> };
      expect(status.accounts.find((account) => account.label === 'ca')).toMatchObject({ backend: 'code_assist', priority: 1, state: 'cooling_down' });
      expect(status.backends).toMatchObject({ code_assist: { credentials: 1 }, gemini_api: { credentials: 2 }, vertex: { credentials: 3 } });
      // The upstream series say which backend failed and which served.
      const metrics = await (await fetch(`${gateway.metricsUrl}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`geminicli2api_upstream_retries_total\\{reason="rate_limited",backend="code_assist"\\} 1\\b`));
      expect(metrics).toMatch(new RegExp(`geminicli2api_upstream_request_duration_seconds_count\\{model="${MODEL.shared}",method="generateContent",outcome="ok",backend="gemini_api"\\} 2\\b`));
    } finally {
      emulator.setAccountBehaviour('rt-ca', undefined);
    }
  });

  it('an invalid API key gives a clear error naming the label, never the key, in both dialects', async () => {
    const error = (await openai.chat.completions.create({ model: MODEL.badKey, messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(503);
    expect(error.message).toContain('studio-bad');
    expect(error.message).toContain('API_KEY_INVALID');
    expect(JSON.stringify(error.error)).not.toContain(BAD_KEY);
    const native = await fetch(`${gateway.url}/v1beta/models/${MODEL.badKey}:generateContent`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    const text = await native.text();
    expect(native.status).toBe(503);
    expect(text).toContain('studio-bad');
    expect(text).not.toContain(BAD_KEY);
    // Disabled after the first rejection: Google saw the bad key once.
    expect(emulator.requests.filter((record) => record.headers['x-goog-api-key'] === BAD_KEY)).toHaveLength(1);
  });

  it('tokens came from the key\'s token_uri (a JWT-bearer grant with a scope) and from the metadata server', () => {
    const grants = emulator.requests.filter((record) => record.path === '/token' && (record.body as Record<string, string>).grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(grants.length).toBeGreaterThanOrEqual(1);
    // The gateway's own grant came first (the later ones are this file's forgery checks).
    expect(grants[0]).toMatchObject({ status: 200, accountRefreshToken: SA_EMAIL });
    const metadata = emulator.requests.filter((record) => record.path === '/computeMetadata/v1/instance/service-accounts/default/token');
    expect(metadata.length).toBeGreaterThanOrEqual(1);
    expect(metadata[0].headers['metadata-flavor']).toBe('Google');
  });

  describe('the emulator rejects what Google rejects', () => {
    const contents = [{ role: 'user', parts: [{ text: 'hi' }] }];
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${emulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

    it('the Gemini API route: a Code Assist envelope is an unknown field, a missing key 403, a wrong key API_KEY_INVALID', async () => {
      const envelope = await post(`/v1beta/models/${MODEL.apiKey}:generateContent`, { model: MODEL.apiKey, project: 'p', request: { contents } }, { 'x-goog-api-key': API_KEY });
      expect(envelope.status).toBe(400);
      expect(await envelope.text()).toContain('Unknown name');
      expect((await post(`/v1beta/models/${MODEL.apiKey}:generateContent`, { contents })).status).toBe(403);
      const wrong = await post(`/v1beta/models/${MODEL.apiKey}:generateContent`, { contents }, { 'x-goog-api-key': 'AIza-wrong' });
      expect(wrong.status).toBe(400);
      expect(await wrong.text()).toContain('API_KEY_INVALID');
    });

    it('the JWT-bearer grant checks the RS256 signature, the audience and the scope', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: SA_EMAIL, aud: 'https://oauth2.googleapis.com/token', scope: 'https://www.googleapis.com/auth/cloud-platform', iat: now, exp: now + 3600 };
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const grant = (assertion: string) => post('/token', new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
      const forged = await grant(signedAssertion(stranger, claims));
      expect(forged.status).toBe(400);
      expect(await forged.json()).toEqual({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      const { scope: _scope, ...unscoped } = claims;
      expect((await grant(signedAssertion(serviceAccountKey, unscoped))).status).toBe(400);
      expect((await grant(signedAssertion(serviceAccountKey, { ...claims, aud: emulator.tokenUrl }))).status).toBe(400);
      expect((await grant(signedAssertion(serviceAccountKey, claims))).status).toBe(200);
      const metadataCall = await fetch(`${emulator.url}/computeMetadata/v1/instance/service-accounts/default/token`);
      expect(metadataCall.status).toBe(403);
    });

    it('Vertex AI refuses an unknown token and a project the identity may not use', async () => {
      const path = `/v1/projects/vx-project/locations/us-central1/publishers/google/models/${MODEL.vertexSa}:generateContent`;
      expect((await post(path, { contents }, { authorization: 'Bearer ya29.not-issued' })).status).toBe(401);
      const token = ((await (await fetch(`${emulator.url}/computeMetadata/v1/instance/service-accounts/default/token`, { headers: { 'metadata-flavor': 'Google' } })).json()) as { access_token: string }).access_token;
      const denied = await post(path, { contents }, { authorization: `Bearer ${token}` });
      expect(denied.status).toBe(403);
      expect(await denied.text()).toContain('IAM_PERMISSION_DENIED');
    });
  });

  it('doctor checks each credential through its own backend and names a refused key by label only', async () => {
    const report = await runDoctor({
      url: gateway.url, key: TEST_CLIENT_KEY, metricsUrl: gateway.metricsUrl, timeoutMs: 10_000, cwd: keyDir,
      env: {
        GEMINI_CLI_HOME: keyDir, GOOGLE_OAUTH_TOKEN_URL: emulator.tokenUrl, GEMINI_API_ENDPOINT: emulator.url, VERTEX_ENDPOINT: emulator.url,
        GEMINI_CREDENTIALS: JSON.stringify([
          { type: 'gemini_api_key', api_key: API_KEY, label: 'studio-1', models: [MODEL.apiKey] },
          { type: 'gemini_api_key', api_key: BAD_KEY, label: 'studio-bad' },
          { ...serviceAccountJson, vertex: { project: 'vx-project', location: 'us-central1' }, label: 'vertex-sa', models: [MODEL.vertexSa] },
        ]),
      },
    });
    const credentials = report.checks.find((check) => check.id === 'credentials');
    expect(credentials).toMatchObject({ status: 'FAIL', cause: expect.stringContaining('"studio-bad"') });
    expect((credentials?.data as { credentials: Array<{ label: string; state: string }> }).credentials.map(({ label, state }) => [label, state])).toEqual([['studio-1', 'valid'], ['studio-bad', 'rejected'], ['vertex-sa', 'valid']]);
    const everything = JSON.stringify(report);
    for (const secret of [API_KEY, BAD_KEY, 'PRIVATE KEY']) expect(everything).not.toContain(secret);
  });
});
