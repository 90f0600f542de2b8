import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type GoogleEmulator } from '../../support/emulator';
import { startRedis } from '../../support/redis';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../../support/gateway-harness';
import { formatReport, runCli, runDoctor, type CheckId, type CheckResult, type DoctorOptions, type DoctorReport } from '../../../apps/cli/src';
import { captureIo, closedPort } from './cli-helpers';

const HEALTHY_TOKEN = 'rt-doctor-healthy-secret-refresh-token';
const REVOKED_TOKEN = 'rt-doctor-revoked-secret-refresh-token';
const CHECK_ORDER: CheckId[] = ['reachable', 'health', 'ready', 'auth', 'models', 'generate-gemini', 'generate-openai', 'metrics', 'credentials', 'project', 'redis', 'clock'];

const byId = (report: DoctorReport, id: CheckId): CheckResult => {
  const check = report.checks.find((entry) => entry.id === id);
  if (!check) throw new Error(`no check ${id}`);
  return check;
};

/** Neither the report (JSON and text) nor anything in it may carry a secret. */
function expectNoSecrets(report: DoctorReport, secrets: string[]): void {
  const everything = `${JSON.stringify(report)}\n${formatReport(report)}`;
  for (const secret of secrets) expect(everything).not.toContain(secret);
  expect(everything).not.toMatch(/ya29\.|"access_token"/);
}

describe('geminicli2api doctor', () => {
  let emulator: GoogleEmulator;
  let healthy: GatewayHarness;
  let folder: string;
  let metricsPort: number;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: HEALTHY_TOKEN });
    healthy = await startGateway({ emulator, credentials: credentialFor(HEALTHY_TOKEN, { label: 'alice' }) });
    metricsPort = await closedPort();
  });

  afterAll(async () => {
    await healthy.close();
    await emulator.close();
  });

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'gc2a-doctor-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  /** Doctor's own environment: nothing from the developer's machine (no ~/.gemini, no .env). */
  const options = (gateway: GatewayHarness, extra: Partial<DoctorOptions> & { env?: Record<string, string> } = {}): DoctorOptions => ({
    url: gateway.url,
    key: TEST_CLIENT_KEY,
    metricsUrl: gateway.metricsUrl,
    timeoutMs: 10_000,
    cwd: folder,
    ...extra,
    env: { GEMINI_CLI_HOME: folder, GOOGLE_OAUTH_TOKEN_URL: emulator.tokenUrl, ...extra.env },
  });

  it('passes against a healthy gateway, checks in order, nothing secret in the output', async () => {
    const report = await runDoctor(options(healthy, { env: { GEMINI_CREDENTIALS: JSON.stringify(credentialFor(HEALTHY_TOKEN, { label: 'alice' })) } }));
    expect(report.checks.map((check) => check.id)).toEqual(CHECK_ORDER);
    for (const id of ['reachable', 'health', 'ready', 'auth', 'generate-gemini', 'credentials', 'project', 'clock'] as CheckId[]) {
      expect(`${id}: ${byId(report, id).status} ${byId(report, id).detail}`).toMatch(new RegExp(`^${id}: PASS`));
    }
    // Surfaces other sessions are building: PASS once they exist, WARN on an older build; never FAIL.
    for (const id of ['models', 'generate-openai', 'metrics'] as CheckId[]) expect(['PASS', 'WARN']).toContain(byId(report, id).status);
    expect(byId(report, 'redis').status).toBe('SKIP');
    expect(byId(report, 'ready').detail).toContain('credentials 1/1 usable');
    expect(byId(report, 'credentials').detail).toContain('alice: refresh works');
    expect(byId(report, 'auth').detail).toContain('…6789');
    expect(byId(report, 'auth').detail).not.toContain('sk-…');
    expect(report.ok).toBe(true);
    expectNoSecrets(report, [TEST_CLIENT_KEY, HEALTHY_TOKEN]);
  });

  it('prints {ok, checks} with --json through the command line and exits 0', async () => {
    const captured = captureIo();
    const code = await runCli(['doctor', '--json', '--url', healthy.url, '--metrics-url', `http://127.0.0.1:${metricsPort}`, '--timeout', '10000'], captured.io, {
      env: { GEMINI_AUTH_PASSWORD: TEST_CLIENT_KEY, GEMINI_CLI_HOME: folder },
      cwd: folder,
    });
    expect(code).toBe(0);
    const parsed = JSON.parse(captured.output()) as DoctorReport;
    expect(parsed.ok).toBe(true);
    expect(parsed.checks.map((check) => check.id)).toEqual(CHECK_ORDER);
    for (const check of parsed.checks) {
      expect(Object.keys(check)).toEqual(expect.arrayContaining(['id', 'title', 'status', 'detail']));
      expect(['PASS', 'FAIL', 'WARN', 'SKIP']).toContain(check.status);
    }
    expect(byId(parsed, 'auth').detail).toContain('GEMINI_AUTH_PASSWORD');
    expect(byId(parsed, 'credentials').status).toBe('SKIP');
    expect(captured.output()).not.toContain(TEST_CLIENT_KEY);
  });

  it('fails auth with the four accepted forms and the env var that sets the key', async () => {
    const wrongKey = 'sk-wrong-doctor-key-00001234';
    const captured = captureIo();
    const code = await runCli(['doctor', '--url', healthy.url, '--key', wrongKey, '--metrics-url', `http://127.0.0.1:${metricsPort}`], captured.io, { env: { GEMINI_CLI_HOME: folder }, cwd: folder });
    expect(code).toBe(1);
    const text = captured.output();
    expect(text).toMatch(/FAIL {2}auth +the gateway rejected key …1234 \(from --key\) with HTTP 401/);
    expect(text).toContain('Authorization: Bearer <key>');
    expect(text).toContain('x-goog-api-key');
    expect(text).toContain('?key=');
    expect(text).toContain('Basic');
    expect(text).toContain('GEMINI_AUTH_PASSWORD');
    expect(text).toContain('docs/troubleshooting.md#401-unauthorized');
    expect(text).toMatch(/SKIP {2}generate-gemini +skipped: no accepted client key/);
    expect(text).not.toContain(wrongKey);

    const report = await runDoctor(options(healthy, { key: wrongKey }));
    expect(byId(report, 'auth').status).toBe('FAIL');
    expect(byId(report, 'models').status).toBe('SKIP');
    expectNoSecrets(report, [wrongKey]);
  });

  it('a revoked credential: generation fails pointing at login, the local check names the credential', async () => {
    emulator.addAccount({ refreshToken: REVOKED_TOKEN });
    emulator.revokeRefreshToken(REVOKED_TOKEN);
    const credential = credentialFor(REVOKED_TOKEN, { label: 'bob' });
    const gateway = await startGateway({ emulator, credentials: credential });
    try {
      const report = await runDoctor(options(gateway, { env: { GEMINI_CREDENTIALS: JSON.stringify(credential) } }));
      expect(report.ok).toBe(false);
      const generation = byId(report, 'generate-gemini');
      expect(generation.status).toBe('FAIL');
      expect(generation.detail).toContain('HTTP 503');
      expect(generation.cause).toMatch(/credential revoked/);
      expect(generation.fix).toContain('geminicli2api login');
      expect(generation.doc).toBe('docs/troubleshooting.md#oauth-expired-or-revoked');
      const local = byId(report, 'credentials');
      expect(local.status).toBe('FAIL');
      expect(local.detail).toContain('bob: revoked (invalid_grant');
      expect(local.fix).toContain('geminicli2api login');
      expect(local.data?.credentials).toEqual([expect.objectContaining({ label: 'bob', state: 'revoked' })]);
      // Decided from codes: the OpenAI answer's no_usable_credential plus readiness counting 0 usable of 1.
      expect(byId(report, 'generate-openai')).toMatchObject({ status: 'FAIL', doc: 'docs/troubleshooting.md#oauth-expired-or-revoked' });
      expectNoSecrets(report, [TEST_CLIENT_KEY, REVOKED_TOKEN]);

      // Once the gateway has seen the refusal, readiness turns 503 and doctor explains it.
      const again = await runDoctor(options(gateway));
      expect(byId(again, 'ready').status).toBe('FAIL');
      expect(byId(again, 'ready').detail).toContain('credentials 0/1 usable');
      expect(byId(again, 'ready').fix).toContain('geminicli2api login');
    } finally {
      await gateway.close();
    }
  });

  it('reads GEMINI_CREDENTIALS_DIR like the gateway: one credential per file, named after it, pooled with GEMINI_CREDENTIALS', async () => {
    const directory = join(folder, 'credentials.d');
    mkdirSync(directory);
    const dirRevoked = 'rt-doctor-dir-revoked-secret-token';
    emulator.addAccount({ refreshToken: dirRevoked });
    emulator.revokeRefreshToken(dirRevoked);
    writeFileSync(join(directory, 'alice.json'), JSON.stringify(credentialFor(HEALTHY_TOKEN)));
    writeFileSync(join(directory, 'carol.json'), JSON.stringify(credentialFor(dirRevoked)));
    writeFileSync(join(directory, '.hidden.json'), 'not json: skipped like the gateway skips dotfiles');
    // A folder next to ./oauth_creds.json: the pool wins, as in the gateway.
    writeFileSync(join(folder, 'oauth_creds.json'), JSON.stringify(credentialFor('rt-never-read')));

    const report = await runDoctor(options(healthy, { env: { GEMINI_CREDENTIALS_DIR: directory } }));
    const local = byId(report, 'credentials');
    expect(local.status).toBe('FAIL');
    expect(local.data?.source).toBe(directory);
    expect(local.data?.credentials).toEqual([
      expect.objectContaining({ label: 'alice', state: 'valid', source: join(directory, 'alice.json') }),
      expect.objectContaining({ label: 'carol', state: 'revoked' }),
    ]);
    expect(local.cause).toContain('"carol"');
    expectNoSecrets(report, [TEST_CLIENT_KEY, HEALTHY_TOKEN, dirRevoked]);

    // GEMINI_CREDENTIALS and the folder form one pool; the same refresh token twice is one account.
    const pooled = await runDoctor(options(healthy, { env: { GEMINI_CREDENTIALS_DIR: 'credentials.d', GEMINI_CREDENTIALS: JSON.stringify([credentialFor(HEALTHY_TOKEN, { label: 'dup' })]) } }));
    expect(byId(pooled, 'credentials').data?.source).toBe(`GEMINI_CREDENTIALS + ${directory}`);
    expect((byId(pooled, 'credentials').data?.credentials as unknown[]).length).toBe(2);

    rmSync(directory, { recursive: true });
    mkdirSync(directory);
    const empty = byId(await runDoctor(options(healthy, { env: { GEMINI_CREDENTIALS_DIR: directory } })), 'credentials');
    expect(empty).toMatchObject({ status: 'FAIL', doc: 'docs/troubleshooting.md#no-usable-credential' });
    expect(empty.detail).toContain(`GEMINI_CREDENTIALS_DIR: no credential files in ${directory}`);
  });

  it('tells a credential of another OAuth client from an unreachable token endpoint by the codes, not the words', async () => {
    const otherClient = 'rt-doctor-other-client-secret-token';
    emulator.addAccount({ refreshToken: otherClient, clientId: 'someone-else.apps.googleusercontent.com' });
    const credentials = JSON.stringify(credentialFor(otherClient, { label: 'dave' }));
    const wrong = byId(await runDoctor(options(healthy, { env: { GEMINI_CREDENTIALS: credentials } })), 'credentials');
    expect(wrong).toMatchObject({ status: 'FAIL', doc: 'docs/troubleshooting.md#oauth-expired-or-revoked' });
    expect(wrong.data?.credentials).toEqual([expect.objectContaining({ label: 'dave', state: 'wrong-client', detail: expect.stringContaining('invalid_client') })]);

    const closed = `http://127.0.0.1:${await closedPort()}/token`;
    const unreachable = byId(await runDoctor(options(healthy, { env: { GEMINI_CREDENTIALS: credentials, GOOGLE_OAUTH_TOKEN_URL: closed } })), 'credentials');
    expect(unreachable).toMatchObject({ status: 'WARN', doc: 'docs/troubleshooting.md#refresh-failures' });
    expect(unreachable.data).toMatchObject({ tokenUrl: closed, credentials: [expect.objectContaining({ state: 'unreachable', detail: expect.stringContaining('ECONNREFUSED') })] });
  });

  it('an environment the gateway would refuse stops doctor with the same problems (exit 1)', async () => {
    const captured = captureIo();
    const code = await runCli(['doctor', '--url', healthy.url], captured.io, { env: { PORT: 'eighty', GOOGLE_CLOUD_PROJECT: '123456789', GEMINI_CLI_HOME: folder }, cwd: folder });
    expect(code).toBe(1);
    expect(captured.output()).toContain('Invalid configuration');
    expect(captured.output()).toContain('PORT');
    expect(captured.output()).toContain('project number');
    expect(captured.output()).not.toContain('geminicli2api doctor:');
  });

  it('Redis down: the redis check fails with the URL masked', async () => {
    const port = await closedPort();
    const report = await runDoctor(options(healthy, { env: { REDIS_URL: `redis://:redis-secret-password@127.0.0.1:${port}/0`, GEMINI_AUTH_PASSWORD: TEST_CLIENT_KEY } }));
    const redis = byId(report, 'redis');
    expect(redis.status).toBe('FAIL');
    expect(redis.detail).toContain(`cannot reach redis://:***@127.0.0.1:${port}/0`);
    expect(redis.detail).toMatch(/ECONNREFUSED/);
    expect(redis.fix).toContain('REDIS_URL');
    expect(redis.doc).toBe('docs/troubleshooting.md#redis-unreachable');
    expect(report.ok).toBe(false);
    expect(byId(report, 'generate-gemini').status).toBe('PASS');
    expectNoSecrets(report, ['redis-secret-password', TEST_CLIENT_KEY]);
  });

  const redisServer = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((path) => existsSync(path));
  (redisServer ? it : it.skip)('Redis up and shared by the gateway: PING answers PONG, mode redis', async () => {
    // Tracked from the moment it is spawned (test/support/cleanup.ts), so a failed test still stops it.
    const redis = await startRedis();
    let shared: GatewayHarness | undefined;
    try {
      shared = await startGateway({ emulator, credentials: credentialFor(HEALTHY_TOKEN, { label: 'alice' }), env: { REDIS_URL: redis.url } });
      const report = await runDoctor(options(shared, { env: { REDIS_URL: redis.url, GEMINI_AUTH_PASSWORD: TEST_CLIENT_KEY } }));
      expect(byId(report, 'redis')).toMatchObject({ status: 'PASS', detail: expect.stringMatching(/answered PONG.*gateway shared state: redis/) });
      // The same Redis seen from here while the gateway runs without it is a configuration smell.
      const local = await runDoctor(options(healthy, { env: { REDIS_URL: redis.url, GEMINI_AUTH_PASSWORD: TEST_CLIENT_KEY } }));
      expect(byId(local, 'redis')).toMatchObject({ status: 'WARN', detail: expect.stringContaining('gateway shared state: local') });
    } finally {
      await shared?.close();
      await redis.stop();
    }
  });

  it('a gateway without credentials: readiness and generation explain how to add one', async () => {
    const gateway = await startGateway({ emulator, credentials: null });
    try {
      const report = await runDoctor(options(gateway));
      const ready = byId(report, 'ready');
      expect(ready.status).toBe('FAIL');
      expect(ready.detail).toContain('no Google credential loaded');
      expect(ready.fix).toContain('geminicli2api login');
      expect(ready.doc).toBe('docs/troubleshooting.md#no-usable-credential');
      expect(byId(report, 'generate-gemini').status).toBe('FAIL');
    } finally {
      await gateway.close();
    }
  });

  it('nothing listening: reachable fails with the port explanation, the rest is skipped', async () => {
    const port = await closedPort();
    const report = await runDoctor({ ...options(healthy), url: `http://127.0.0.1:${port}` });
    const reachable = byId(report, 'reachable');
    expect(reachable).toMatchObject({ status: 'FAIL', doc: 'docs/troubleshooting.md#port-in-use' });
    expect(reachable.detail).toContain(`nothing listens on 127.0.0.1:${port}`);
    expect(reachable.fix).toContain('PORT');
    for (const id of ['health', 'ready', 'auth', 'models', 'generate-gemini', 'generate-openai', 'clock'] as CheckId[]) expect(byId(report, id).status).toBe('SKIP');
  });

  it('another program on the port: reachable warns that it is not geminicli2api', async () => {
    const report = await runDoctor({ ...options(healthy), url: emulator.url });
    expect(byId(report, 'reachable')).toMatchObject({ status: 'WARN', doc: 'docs/troubleshooting.md#port-in-use' });
    expect(byId(report, 'health').status).toBe('FAIL');
  });

  it('a Google error is classified: 429 with Retry-After, 403 project required', async () => {
    emulator.enqueue({ kind: 'error', error: 'rate-limit', retryDelaySeconds: 7 });
    const limited = await runDoctor(options(healthy));
    const rateLimited = byId(limited, 'generate-gemini');
    expect(rateLimited.status).toBe('WARN');
    expect(rateLimited.detail).toMatch(/HTTP 429.*Retry-After \d+ s/);

    const projectToken = 'rt-doctor-project-required';
    emulator.addAccount({ refreshToken: projectToken, onboarding: 'project-required' });
    const gateway = await startGateway({ emulator, credentials: credentialFor(projectToken) });
    try {
      const report = await runDoctor(options(gateway));
      for (const id of ['generate-gemini', 'project'] as CheckId[]) {
        expect(byId(report, id).status).toBe('FAIL');
        expect(byId(report, id).fix).toContain('GOOGLE_CLOUD_PROJECT');
      }
    } finally {
      await gateway.close();
    }
  });
});
