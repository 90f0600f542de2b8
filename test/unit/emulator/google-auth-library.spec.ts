/**
 * Cross-check with the real client stack Gemini CLI uses (google-auth-library + gaxios): if these
 * pass, the emulator's OAuth wire format is what the library expects.
 */
import { OAuth2Client } from 'google-auth-library';
import { GEMINI_CLI_CLIENT_ID, GEMINI_CLI_CLIENT_SECRET, OAUTH_SCOPES, startEmulator, type GoogleEmulator } from '../../support/emulator';

describe('emulator with google-auth-library', () => {
  let emulator: GoogleEmulator;

  beforeEach(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-gal', email: 'gal@example.com' });
  });
  afterEach(() => emulator.close());

  function client(redirectUri?: string): OAuth2Client {
    return new OAuth2Client({
      clientId: GEMINI_CLI_CLIENT_ID,
      clientSecret: GEMINI_CLI_CLIENT_SECRET,
      redirectUri,
      // gaxios lazily `import()`s node-fetch, which jest's CommonJS runtime cannot do; Node's fetch is equivalent here.
      transporterOptions: { fetchImplementation: fetch as never },
      endpoints: { oauth2TokenUrl: emulator.tokenUrl, tokenInfoUrl: `${emulator.url}/tokeninfo`, oauth2AuthBaseUrl: `${emulator.url}/o/oauth2/v2/auth` },
    });
  }

  it('refreshes, reads tokeninfo and calls Code Assist through the library', async () => {
    const auth = client();
    auth.setCredentials({ refresh_token: 'rt-gal' });
    const { token } = await auth.getAccessToken();
    expect(token).toMatch(/^ya29\.emu-/);
    expect(auth.credentials.expiry_date).toBeGreaterThan(Date.now());
    const info = await auth.getTokenInfo(token!);
    expect(info.scopes).toEqual(OAUTH_SCOPES.split(' '));
    expect(info.email).toBe('gal@example.com');

    const response = await auth.request<{ cloudaicompanionProject: string }>({
      url: `${emulator.url}/v1internal:loadCodeAssist`,
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      data: JSON.stringify({ metadata: { ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI' } }),
    });
    expect(response.data.cloudaicompanionProject).toBe('emu-project-1');
    expect(emulator.counters().refreshes).toBe(1);
  });

  it('surfaces invalid_grant for a revoked refresh token', async () => {
    emulator.revokeRefreshToken('rt-gal');
    const auth = client();
    auth.setCredentials({ refresh_token: 'rt-gal' });
    await expect(auth.getAccessToken()).rejects.toThrow(/invalid_grant/);
  });

  it('completes the PKCE login flow via the authorize redirect', async () => {
    const redirectUri = 'http://127.0.0.1:1/oauth2callback';
    const auth = client(redirectUri);
    const { codeVerifier, codeChallenge } = await auth.generateCodeVerifierAsync();
    const authUrl = auth.generateAuthUrl({ access_type: 'offline', scope: OAUTH_SCOPES.split(' '), state: 'xyz', code_challenge: codeChallenge, code_challenge_method: 'S256' as never });
    const redirect = await fetch(authUrl, { redirect: 'manual' });
    const location = new URL(redirect.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('xyz');
    const { tokens } = await auth.getToken({ code: location.searchParams.get('code')!, codeVerifier });
    expect(tokens).toMatchObject({ refresh_token: 'rt-gal', access_token: expect.stringMatching(/^ya29\./), token_type: 'Bearer' });
  });
});
