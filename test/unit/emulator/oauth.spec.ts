import { createHash } from 'node:crypto';
import { GEMINI_CLI_CLIENT_ID, GEMINI_CLI_CLIENT_SECRET, startEmulator, type GoogleEmulator } from '../../support/emulator';
import { REFRESH_TOKEN, refresh, rpc, sleep } from './helpers';

describe('emulator OAuth endpoints', () => {
  let emulator: GoogleEmulator;

  beforeEach(async () => {
    emulator = await startEmulator({ accessTokenTtlSeconds: 3599 });
    emulator.addAccount({ refreshToken: REFRESH_TOKEN, email: 'alice@example.com' });
  });
  afterEach(() => emulator.close());

  it('refreshes a token with the Google response shape and counts it per refresh token', async () => {
    const response = await refresh(emulator);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      access_token: expect.stringMatching(/^ya29\.emu-/),
      expires_in: 3599,
      scope: expect.stringContaining('https://www.googleapis.com/auth/cloud-platform'),
      token_type: 'Bearer',
      id_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    expect(body).not.toHaveProperty('refresh_token');
    await refresh(emulator);
    await refresh(emulator, 'rt-unknown');
    expect(emulator.counters()).toMatchObject({ refreshes: 3, refreshesByToken: { [REFRESH_TOKEN]: 2, 'rt-unknown': 1 } });
    expect(emulator.requests.map((record) => [record.method, record.status])).toEqual([
      ['token', 200],
      ['token', 200],
      ['token', 400],
    ]);
    expect(emulator.requests[0]?.body).toMatchObject({ grant_type: 'refresh_token', refresh_token: REFRESH_TOKEN });
  });

  it('answers invalid_grant for unknown and revoked refresh tokens, invalid_client for a wrong client', async () => {
    const unknown = await refresh(emulator, 'rt-nobody');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });

    const wrongClient = await refresh(emulator, REFRESH_TOKEN, 'someone-else.apps.googleusercontent.com');
    expect(wrongClient.status).toBe(401);
    expect(await wrongClient.json()).toEqual({ error: 'invalid_client', error_description: 'Unauthorized' });

    emulator.revokeRefreshToken(REFRESH_TOKEN);
    const revoked = await refresh(emulator);
    expect(revoked.status).toBe(400);
    expect(await revoked.json()).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
  });

  it('rejects access tokens after invalidateAccessTokens and when expired', async () => {
    const token = emulator.issueAccessToken(REFRESH_TOKEN);
    expect((await rpc(emulator, token, 'loadCodeAssist', {})).status).toBe(200);
    emulator.invalidateAccessTokens(REFRESH_TOKEN);
    expect((await rpc(emulator, token, 'loadCodeAssist', {})).status).toBe(401);
    const shortLived = emulator.issueAccessToken(REFRESH_TOKEN, 0.05);
    await sleep(80);
    expect((await rpc(emulator, shortLived, 'loadCodeAssist', {})).status).toBe(401);
  });

  it('answers tokeninfo with scope and expires_in, and invalid_token for unknown tokens', async () => {
    const token = emulator.issueAccessToken(REFRESH_TOKEN, 1000);
    const response = await fetch(`${emulator.url}/tokeninfo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ aud: GEMINI_CLI_CLIENT_ID, email: 'alice@example.com', access_type: 'offline' });
    expect(String(body.scope).split(' ')).toContain('https://www.googleapis.com/auth/cloud-platform');
    expect(body.expires_in).toBeGreaterThan(990);

    const bad = await fetch(`${emulator.url}/tokeninfo`, { method: 'POST', headers: { authorization: 'Bearer ya29.nope' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid_token', error_description: 'Invalid Value' });
  });

  it('runs the authorize redirect and the PKCE code exchange, codes being single-use', async () => {
    const verifier = 'v'.repeat(64);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = 'http://127.0.0.1:9999/oauth2callback';
    const authorize = new URL(`${emulator.url}/o/oauth2/v2/auth`);
    for (const [key, value] of Object.entries({ client_id: GEMINI_CLI_CLIENT_ID, redirect_uri: redirectUri, state: 'st-1', code_challenge: challenge, code_challenge_method: 'S256', response_type: 'code', access_type: 'offline' })) {
      authorize.searchParams.set(key, value);
    }
    const redirect = await fetch(authorize, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('st-1');
    const code = location.searchParams.get('code') ?? '';

    const exchange = (codeVerifier: string): Promise<Response> =>
      fetch(emulator.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: GEMINI_CLI_CLIENT_ID, client_secret: GEMINI_CLI_CLIENT_SECRET, redirect_uri: redirectUri, code_verifier: codeVerifier }),
      });
    const wrongVerifier = await exchange('w'.repeat(64));
    expect(wrongVerifier.status).toBe(400);
    expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant' });
    const ok = await exchange(verifier);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ access_token: expect.stringMatching(/^ya29\./), refresh_token: REFRESH_TOKEN, token_type: 'Bearer' });
    const reused = await exchange(verifier);
    expect(reused.status).toBe(400);
    expect(emulator.counters().codeExchanges).toBe(3);
  });

  it('delays token answers with setTokenDelayMs', async () => {
    emulator.setTokenDelayMs(120);
    const started = Date.now();
    const [first, second] = await Promise.all([refresh(emulator), refresh(emulator)]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(emulator.counters().refreshesByToken[REFRESH_TOKEN]).toBe(2);
  });
});
