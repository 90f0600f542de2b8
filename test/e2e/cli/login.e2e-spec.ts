import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GEMINI_CLI_CLIENT_ID, GEMINI_CLI_CLIENT_SECRET, startEmulator, type GoogleEmulator } from '../../support/emulator';
import { TEST_CLIENT_KEY, startGateway } from '../../support/gateway-harness';
import { PassThrough } from 'node:stream';
import { codeFromPaste, lineReader, runCli, runLogin, type LoginOptions } from '../../../apps/cli/src';
import { captureIo, closedPort } from './cli-helpers';

const REFRESH_TOKEN = 'rt-login-e2e-secret-refresh-token';

/** The scripted browser: opens the consent URL (the emulator consents at once) and follows the 302 to the loopback callback. */
async function browse(consentUrl: string): Promise<{ status: number; text: string; callbackUrl: string }> {
  const authorize = await fetch(consentUrl, { redirect: 'manual' });
  expect(authorize.status).toBe(302);
  const callbackUrl = authorize.headers.get('location') ?? '';
  const callback = await fetch(callbackUrl);
  return { status: callback.status, text: await callback.text(), callbackUrl };
}

describe('geminicli2api login', () => {
  let emulator: GoogleEmulator;
  let folder: string;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: REFRESH_TOKEN, email: 'dev@example.com' });
  });

  afterAll(async () => {
    await emulator.close();
  });

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'gc2a-login-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  const endpoints = (): LoginOptions => ({ authUrl: `${emulator.url}/o/oauth2/v2/auth`, tokenUrl: emulator.tokenUrl, env: {}, cwd: folder });

  it('signs in through the loopback redirect with PKCE, writes a 0600 file the gateway then uses', async () => {
    const captured = captureIo();
    const exchangesBefore = emulator.counters().codeExchanges;
    const login = runLogin({ ...endpoints(), out: 'creds.json', timeoutSeconds: 10 }, captured.io);

    const consentUrl = await captured.waitForUrl(emulator.url);
    const consent = new URL(consentUrl);
    expect(consent.pathname).toBe('/o/oauth2/v2/auth');
    expect(consent.searchParams.get('client_id')).toBe(GEMINI_CLI_CLIENT_ID);
    expect(consent.searchParams.get('code_challenge_method')).toBe('S256');
    expect(consent.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(consent.searchParams.get('access_type')).toBe('offline');
    expect(consent.searchParams.get('prompt')).toBe('consent');
    expect(consent.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(consent.searchParams.get('scope')?.split(' ')).toEqual([
      'https://www.googleapis.com/auth/cloud-platform',
      'https://www.googleapis.com/auth/userinfo.email',
      'https://www.googleapis.com/auth/userinfo.profile',
    ]);
    const redirectUri = consent.searchParams.get('redirect_uri') ?? '';
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2callback$/);
    expect(redirectUri).not.toContain(':8080/');

    const page = await browse(consentUrl);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Signed in');
    expect(page.text).toContain('dev@example.com');

    const result = await login;
    expect(result.exitCode).toBe(0);
    expect(emulator.counters().codeExchanges).toBe(exchangesBefore + 1);
    const path = join(folder, 'creds.json');
    expect(result.path).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const written = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(written).toMatchObject({
      type: 'authorized_user',
      refresh_token: REFRESH_TOKEN,
      client_id: GEMINI_CLI_CLIENT_ID,
      client_secret: GEMINI_CLI_CLIENT_SECRET,
      token_uri: emulator.tokenUrl,
      token_type: 'Bearer',
    });
    expect(typeof written.access_token).toBe('string');
    expect(written.expiry_date).toBeGreaterThan(Date.now() + 3_000_000);
    expect(written.scope).toContain('cloud-platform');

    const output = captured.output();
    expect(output).toContain(`GOOGLE_APPLICATION_CREDENTIALS=${path}`);
    expect(output).toContain(`kubectl create secret generic geminicli2api-google --from-file=credentials.json=${path}`);
    expect(output).toContain('existingSecret: geminicli2api-google');
    for (const secret of [REFRESH_TOKEN, written.access_token as string, GEMINI_CLI_CLIENT_SECRET]) expect(output).not.toContain(secret);

    // The callback server is gone once the login is over.
    await expect(fetch(page.callbackUrl)).rejects.toThrow();

    const gateway = await startGateway({ emulator, credentials: written });
    try {
      const response = await fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CLIENT_KEY}` },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hello from login' }] }] }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { candidates: unknown[] };
      expect(body.candidates.length).toBeGreaterThan(0);
    } finally {
      await gateway.close();
    }
  });

  it('takes the endpoints from GOOGLE_OAUTH_AUTH_URL / GOOGLE_OAUTH_TOKEN_URL, parsed by the gateway\'s schema', async () => {
    const captured = captureIo();
    const env = { GOOGLE_OAUTH_AUTH_URL: `${emulator.url}/o/oauth2/v2/auth`, GOOGLE_OAUTH_TOKEN_URL: emulator.tokenUrl };
    const exit = runCli(['login', '--out', 'env.json', '--timeout', '10'], captured.io, { env, cwd: folder });
    const page = await browse(await captured.waitForUrl(emulator.url));
    expect(page.status).toBe(200);
    expect(await exit).toBe(0);
    expect(JSON.parse(readFileSync(join(folder, 'env.json'), 'utf8'))).toMatchObject({ refresh_token: REFRESH_TOKEN, token_uri: emulator.tokenUrl });

    // The same schema refuses what the gateway would refuse, before any browser is involved.
    const refused = captureIo();
    expect(await runCli(['login', '--out', 'never.json'], refused.io, { env: { GOOGLE_OAUTH_TOKEN_URL: 'not a url' }, cwd: folder })).toBe(1);
    expect(refused.output()).toContain('GOOGLE_OAUTH_TOKEN_URL');
    expect(refused.output()).not.toContain('http');
  });

  it('names an unreachable token endpoint by its network error code, and tells the browser', async () => {
    const captured = captureIo();
    const closed = `http://127.0.0.1:${await closedPort()}/token`;
    const login = runLogin({ ...endpoints(), tokenUrl: closed, out: 'creds.json', timeoutSeconds: 20 }, captured.io);
    const page = await browse(await captured.waitForUrl(emulator.url));
    expect(page.status).toBe(500);
    expect(page.text).toContain('Sign-in failed');
    const result = await login;
    expect(result.exitCode).toBe(1);
    expect(result.error).toContain(`could not reach the token endpoint ${closed}`);
    expect(result.error).toContain('ECONNREFUSED');
    expect(existsSync(join(folder, 'creds.json'))).toBe(false);
  });

  it('rejects a callback whose state does not match, and saves nothing', async () => {
    const captured = captureIo();
    const login = runLogin({ ...endpoints(), out: 'creds.json', timeoutSeconds: 10 }, captured.io);
    const consentUrl = await captured.waitForUrl(emulator.url);
    const authorize = await fetch(consentUrl, { redirect: 'manual' });
    const forged = new URL(authorize.headers.get('location') ?? '');
    forged.searchParams.set('state', 'forged-state');
    const page = await fetch(forged);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('Sign-in failed');
    const result = await login;
    expect(result.exitCode).toBe(1);
    expect(result.error).toMatch(/state mismatch/);
    expect(existsSync(join(folder, 'creds.json'))).toBe(false);
  });

  it('reports a Google error on the callback (consent denied)', async () => {
    const captured = captureIo();
    const login = runLogin({ ...endpoints(), out: 'creds.json', timeoutSeconds: 10 }, captured.io);
    const consent = new URL(await captured.waitForUrl(emulator.url));
    const denied = new URL(consent.searchParams.get('redirect_uri') ?? '');
    denied.searchParams.set('error', 'access_denied');
    denied.searchParams.set('state', consent.searchParams.get('state') ?? '');
    expect((await fetch(denied)).status).toBe(400);
    const result = await login;
    expect(result.exitCode).toBe(1);
    expect(result.error).toContain('access_denied');
  });

  it('gives up after the timeout and frees the callback port', async () => {
    const captured = captureIo();
    const started = Date.now();
    const login = runLogin({ ...endpoints(), out: 'creds.json', timeoutSeconds: 0.4 }, captured.io);
    const consent = new URL(await captured.waitForUrl(emulator.url));
    const result = await login;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.exitCode).toBe(1);
    expect(result.error).toMatch(/timed out after 0\.4 s/);
    expect(captured.output()).toContain('--timeout');
    await expect(fetch(consent.searchParams.get('redirect_uri') ?? '')).rejects.toThrow();
    expect(existsSync(join(folder, 'creds.json'))).toBe(false);
  });

  it('pins the callback port with --port and explains a busy one', async () => {
    const port = await closedPort();
    const captured = captureIo();
    const login = runLogin({ ...endpoints(), out: 'a.json', port, timeoutSeconds: 5 }, captured.io);
    const consent = new URL(await captured.waitForUrl(emulator.url));
    expect(consent.searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/oauth2callback`);
    const second = await runLogin({ ...endpoints(), out: 'b.json', port, timeoutSeconds: 5 }, captureIo().io);
    expect(second.exitCode).toBe(1);
    expect(second.error).toMatch(/already in use.*omit --port/);
    expect((await browse(consent.toString())).status).toBe(200);
    expect((await login).exitCode).toBe(0);
  });

  it('--no-browser: the user pastes the code Google shows for the authcode redirect', async () => {
    let pastedFrom = '';
    const captured = captureIo(async () => {
      const consentUrl = await captured.waitForUrl(emulator.url);
      const authorize = await fetch(consentUrl, { redirect: 'manual' });
      const landing = new URL(authorize.headers.get('location') ?? '');
      pastedFrom = landing.origin + landing.pathname;
      return landing.searchParams.get('code') ?? '';
    });
    const result = await runLogin({ ...endpoints(), out: 'headless.json', noBrowser: true, timeoutSeconds: 10 }, captured.io);
    expect(result.exitCode).toBe(0);
    expect(pastedFrom).toBe('https://codeassist.google.com/authcode');
    const consent = new URL(captured.output().split('\n').find((line) => line.startsWith(emulator.url)) ?? '');
    expect(consent.searchParams.get('code_challenge_method')).toBe('S256');
    expect(JSON.parse(readFileSync(join(folder, 'headless.json'), 'utf8'))).toMatchObject({ refresh_token: REFRESH_TOKEN, type: 'authorized_user' });
  });

  it('--no-browser reads the code from a piped stdin, and reports stdin closing without one', async () => {
    const input = new PassThrough();
    const prompts = new PassThrough();
    const captured = captureIo(lineReader(input, prompts));
    const login = runLogin({ ...endpoints(), out: 'piped.json', noBrowser: true, timeoutSeconds: 10 }, captured.io);
    const authorize = await fetch(await captured.waitForUrl(emulator.url), { redirect: 'manual' });
    input.end(`${new URL(authorize.headers.get('location') ?? '').searchParams.get('code')}\n`);
    expect((await login).exitCode).toBe(0);
    expect(prompts.read()?.toString()).toContain('Authorization code: ');

    const empty = new PassThrough();
    const closed = captureIo(lineReader(empty, new PassThrough()));
    const failed = runLogin({ ...endpoints(), out: 'never.json', noBrowser: true, timeoutSeconds: 10 }, closed.io);
    await closed.waitForUrl(emulator.url);
    empty.end();
    expect((await failed).error).toMatch(/standard input closed/);
  });

  it('accepts a pasted landing URL only when its state matches', () => {
    expect(codeFromPaste('  4/0AbC-code  ', 'state-1')).toBe('4/0AbC-code');
    expect(codeFromPaste('https://codeassist.google.com/authcode?state=state-1&code=4%2F0xyz', 'state-1')).toBe('4/0xyz');
    expect(() => codeFromPaste('https://codeassist.google.com/authcode?state=other&code=4%2F0xyz', 'state-1')).toThrow(/state mismatch/);
    expect(() => codeFromPaste('', 'state-1')).toThrow(/no code/);
  });

  describe('--import', () => {
    const geminiCliFile = {
      access_token: 'ya29.imported-access-token',
      scope: 'https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile openid',
      token_type: 'Bearer',
      id_token: 'eyJhbGciOiJSUzI1NiJ9.e30.sig',
      expiry_date: 1761000000000,
      refresh_token: '1//0g-imported-refresh-token',
    };

    it('normalizes Gemini CLI\'s ~/.gemini/oauth_creds.json (GEMINI_CLI_HOME) into the authorized-user file', async () => {
      const home = join(folder, 'home');
      mkdirSync(join(home, '.gemini'), { recursive: true });
      writeFileSync(join(home, '.gemini', 'oauth_creds.json'), JSON.stringify(geminiCliFile));
      const captured = captureIo();
      const result = await runLogin({ ...endpoints(), env: { GEMINI_CLI_HOME: home }, importFrom: true, out: 'imported.json' }, captured.io);
      expect(result.exitCode).toBe(0);
      const path = join(folder, 'imported.json');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
        type: 'authorized_user',
        client_id: GEMINI_CLI_CLIENT_ID,
        client_secret: GEMINI_CLI_CLIENT_SECRET,
        refresh_token: geminiCliFile.refresh_token,
        token_uri: emulator.tokenUrl,
        access_token: geminiCliFile.access_token,
        token_type: 'Bearer',
        expiry_date: geminiCliFile.expiry_date,
        scope: geminiCliFile.scope,
      });
      const output = captured.output();
      expect(output).toContain(join(home, '.gemini', 'oauth_creds.json'));
      expect(output).toContain(`GOOGLE_APPLICATION_CREDENTIALS=${path}`);
      for (const secret of [geminiCliFile.refresh_token, geminiCliFile.access_token, GEMINI_CLI_CLIENT_SECRET]) expect(output).not.toContain(secret);
    });

    it('imports a given path through the command line, and refuses a file without refresh_token', async () => {
      const source = join(folder, 'gemini-creds.json');
      writeFileSync(source, JSON.stringify(geminiCliFile));
      const ok = captureIo();
      expect(await runCli(['login', '--import', source, '--out', 'from-cli.json'], ok.io, { env: {}, cwd: folder })).toBe(0);
      expect(JSON.parse(readFileSync(join(folder, 'from-cli.json'), 'utf8')).refresh_token).toBe(geminiCliFile.refresh_token);

      const broken = join(folder, 'no-refresh.json');
      writeFileSync(broken, JSON.stringify({ access_token: 'ya29.only-access', expiry_date: 1 }));
      const failed = captureIo();
      expect(await runCli(['login', '--import', broken, '--out', 'never.json'], failed.io, { env: {}, cwd: folder })).toBe(1);
      expect(failed.output()).toMatch(/no refresh_token/);
      expect(existsSync(join(folder, 'never.json'))).toBe(false);
    });

    it('refuses to overwrite an existing file without --force', async () => {
      const source = join(folder, 'gemini-creds.json');
      writeFileSync(source, JSON.stringify(geminiCliFile));
      const target = join(folder, 'oauth_creds.json');
      writeFileSync(target, '{"keep":"me"}', { mode: 0o644 });
      const refused = captureIo();
      const result = await runLogin({ ...endpoints(), importFrom: source }, refused.io);
      expect(result.exitCode).toBe(1);
      expect(result.error).toMatch(/already exists.*--force/);
      expect(readFileSync(target, 'utf8')).toBe('{"keep":"me"}');

      const forcedIo = captureIo();
      const forced = await runLogin({ ...endpoints(), importFrom: source, force: true }, forcedIo.io);
      expect(forced.exitCode).toBe(0);
      expect(forcedIo.output()).toContain('also finds ./oauth_creds.json by itself');
      expect(JSON.parse(readFileSync(target, 'utf8')).refresh_token).toBe(geminiCliFile.refresh_token);
      expect(statSync(target).mode & 0o777).toBe(0o600);
    });
  });

  it('refuses an --out folder that does not exist before any sign-in', async () => {
    const captured = captureIo();
    const result = await runLogin({ ...endpoints(), out: join('missing', 'creds.json'), timeoutSeconds: 5 }, captured.io);
    expect(result.exitCode).toBe(1);
    expect(result.error).toMatch(/folder .*missing does not exist/);
    expect(captured.output()).not.toContain(emulator.url);
  });

  it('exits 2 on a wrong command line', async () => {
    for (const argv of [['login', '--port', 'abc'], ['login', '--bogus'], ['login', '--timeout', '-1'], ['frobnicate'], []]) {
      const captured = captureIo();
      expect(await runCli(argv, captured.io, { env: {}, cwd: folder })).toBe(2);
      expect(captured.output()).toContain('Usage: geminicli2api');
    }
  });
});
