import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type GoogleEmulator } from '../../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../../support/gateway-harness';
import { formatReport, runCli, runDoctor, type CheckId, type CheckResult, type DoctorOptions, type DoctorReport } from '../../../apps/cli/src';
import { captureIo, closedPort } from './cli-helpers';

jest.setTimeout(30_000);

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
      expect(['FAIL', 'WARN']).toContain(byId(report, 'generate-openai').status);
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

  it('Redis down: the redis check fails with the URL masked', async () => {
    const port = await closedPort();
    const report = await runDoctor(options(healthy, { env: { REDIS_URL: `redis://:redis-secret-password@127.0.0.1:${port}/0` } }));
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
    const port = await closedPort();
    const child: ChildProcess = spawn(redisServer ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const redisUrl = `redis://127.0.0.1:${port}`;
    let shared: GatewayHarness | undefined;
    try {
      for (let attempt = 0; attempt < 50; attempt += 1) {
        if (await new Promise<boolean>((resolve) => { const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); }); socket.once('error', () => resolve(false)); })) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      shared = await startGateway({ emulator, credentials: credentialFor(HEALTHY_TOKEN, { label: 'alice' }), env: { REDIS_URL: redisUrl } });
      const report = await runDoctor(options(shared, { env: { REDIS_URL: redisUrl } }));
      expect(byId(report, 'redis')).toMatchObject({ status: 'PASS', detail: expect.stringMatching(/answered PONG.*gateway shared state: redis/) });
      // The same Redis seen from here while the gateway runs without it is a configuration smell.
      const local = await runDoctor(options(healthy, { env: { REDIS_URL: redisUrl } }));
      expect(byId(local, 'redis')).toMatchObject({ status: 'WARN', detail: expect.stringContaining('gateway shared state: local') });
    } finally {
      await shared?.close();
      child.kill();
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
