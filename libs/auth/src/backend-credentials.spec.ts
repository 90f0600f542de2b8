import { MemorySharedState } from '@app/common';
import { AccessTokenService, NotAnOAuthLoginError, systemClock } from './access-token.service';
import { modelMatches } from './backend-credentials';
import type { TokenEndpoint } from './token-endpoint';
import { CredentialFormatError, parseCredential } from './google-credentials';

describe('credential items of every backend', () => {
  it('parses a Gemini API key with label, weight, priority and model globs; the id is a hash, not the key', () => {
    const credential = parseCredential({ type: 'gemini_api_key', api_key: 'AIzaKEY', label: 'studio-1', weight: 2, priority: 2, models: ['models/gemini-2.5-*'] }, 'GEMINI_CREDENTIALS[1]', 'account-2');
    expect(credential).toMatchObject({ backend: 'gemini_api', apiKey: 'AIzaKEY', label: 'studio-1', weight: 2, priority: 2, models: ['gemini-2.5-*'] });
    expect(credential.id).toMatch(/^[0-9a-f]{16}$/);
    expect(credential.id).not.toContain('AIza');
  });

  it('parses a service-account key with a vertex target (its own token_uri kept) and a vertex_adc item', () => {
    const account = parseCredential({ type: 'service_account', client_email: 'sa@p.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nx', token_uri: 'http://127.0.0.1:9/token', vertex: { project: 'p', location: 'us-central1' } }, 'f.json', 'f');
    expect(account).toMatchObject({ backend: 'vertex', label: 'f', priority: 1, vertex: { project: 'p', location: 'us-central1', serviceAccount: { clientEmail: 'sa@p.iam.gserviceaccount.com', tokenUri: 'http://127.0.0.1:9/token' } } });
    const adc = parseCredential({ type: 'vertex_adc', project: 'p', location: 'global' }, 'x', 'adc');
    expect(adc).toMatchObject({ backend: 'vertex', vertex: { project: 'p', location: 'global' } });
    expect(adc.vertex?.serviceAccount).toBeUndefined();
  });

  it.each([
    [{ type: 'gemini_api_key' }, /needs "api_key"/],
    [{ type: 'vertex_adc', project: 'p' }, /"project" and "location"/],
    [{ type: 'service_account', private_key: 'k', vertex: { project: 'p', location: 'us-central1' } }, /client_email/],
    [{ type: 'gemini_api_key', api_key: 'k', priority: -1 }, /priority/],
    [{ type: 'gemini_api_key', api_key: 'k', models: [] }, /models/],
    [{ type: 'vertex_adc', project: 'p', location: 'US Central' }, /location/],
  ])('rejects %j with a clear message', (item, message) => {
    expect(() => parseCredential(item, 'GEMINI_CREDENTIALS[0]', 'x')).toThrow(CredentialFormatError);
    expect(() => parseCredential(item, 'GEMINI_CREDENTIALS[0]', 'x')).toThrow(message);
  });

  it('matches model globs', () => {
    expect(modelMatches(undefined, 'anything')).toBe(true);
    expect(modelMatches(['gemini-2.5-*'], 'gemini-2.5-pro')).toBe(true);
    expect(modelMatches(['gemini-2.5-*'], 'gemini-3-pro-preview')).toBe(false);
    expect(modelMatches(['gemini-2.5-flash'], 'gemini-2.5-flash-lite')).toBe(false);
  });

  it('never refreshes an API key as if it were a login (that would mark it revoked)', async () => {
    const refresh = jest.fn();
    const tokens = new AccessTokenService({ upstream: { tokenRefreshMarginMs: 60_000, oauthTimeoutMs: 1_000 } } as never, { refresh } as unknown as TokenEndpoint, systemClock, new MemorySharedState());
    const key = parseCredential({ type: 'gemini_api_key', api_key: 'AIzaKEY', label: 'studio-1' }, 'x', 'x');
    await expect(tokens.getAccessToken(key)).rejects.toBeInstanceOf(NotAnOAuthLoginError);
    expect(refresh).not.toHaveBeenCalled();
    expect(tokens.isRevoked(key.id)).toBe(false);
  });
});
