import { MemorySharedState, type GatewayConfig } from '@app/common';
import { AccessTokenService, type Clock } from './access-token.service';
import { parseCredential, type GoogleCredential } from './google-credentials';
import { CredentialRevokedError, TokenEndpoint, type RefreshedToken } from './token-endpoint';

/** In-memory twin of the token endpoint: counts refreshes, can be slowed down or revoked. */
class FakeTokenEndpoint extends TokenEndpoint {
  refreshes = 0;
  revoked = false;
  private release?: () => void;
  gate?: Promise<void>;

  constructor(private readonly clock: Clock) {
    super();
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.release?.();
  }

  async refresh(credential: GoogleCredential): Promise<RefreshedToken> {
    this.refreshes += 1;
    await this.gate;
    if (this.revoked) throw new CredentialRevokedError(credential, 'invalid_grant');
    return { accessToken: `token-${this.refreshes}`, expiryMs: this.clock.now() + 3_600_000 };
  }
}

describe('AccessTokenService', () => {
  let now = 1_000_000;
  const clock: Clock = { now: () => now };
  const config = { upstream: { tokenRefreshMarginMs: 300_000, oauthTimeoutMs: 1_000 } } as GatewayConfig;
  let endpoint: FakeTokenEndpoint;
  let service: AccessTokenService;

  beforeEach(() => {
    now = 1_000_000;
    endpoint = new FakeTokenEndpoint(clock);
    service = new AccessTokenService(config, endpoint, clock, new MemorySharedState(clock.now));
  });

  it('uses a file token while it is fresh and refreshes within the margin before expiry', async () => {
    const credential = parseCredential({ refresh_token: 'r', access_token: 'from-file', expiry_date: now + 600_000 }, 'test', 'test');
    expect(await service.getAccessToken(credential)).toBe('from-file');
    now += 301_000; // 299 s left: inside the 300 s margin
    expect(await service.getAccessToken(credential)).toBe('token-1');
    expect(endpoint.refreshes).toBe(1);
  });

  it('refreshes a token without expiry before first use', async () => {
    const credential = parseCredential({ refresh_token: 'r', token: 'no-expiry' }, 'test', 'test');
    expect(await service.getAccessToken(credential)).toBe('token-1');
  });

  it('shares one refresh between concurrent callers', async () => {
    const credential = parseCredential({ refresh_token: 'r' }, 'test', 'test');
    endpoint.hold();
    const tokens = Promise.all(Array.from({ length: 25 }, () => service.getAccessToken(credential)));
    endpoint.open();
    expect(new Set(await tokens)).toEqual(new Set(['token-1']));
    expect(endpoint.refreshes).toBe(1);
  });

  it('replaces a rejected token once, even when many callers report it', async () => {
    const credential = parseCredential({ refresh_token: 'r' }, 'test', 'test');
    const first = await service.getAccessToken(credential);
    const replaced = await Promise.all(Array.from({ length: 10 }, () => service.getAccessToken(credential, { replacing: first })));
    expect(new Set(replaced)).toEqual(new Set(['token-2']));
    // A caller that still holds the old token after the replacement gets the new one, no refresh.
    expect(await service.getAccessToken(credential, { replacing: first })).toBe('token-2');
    expect(endpoint.refreshes).toBe(2);
  });

  it('shares one refresh between replicas through the shared state, and the revocation too', async () => {
    const shared = new MemorySharedState(clock.now);
    const replicas = [0, 1, 2].map(() => new AccessTokenService(config, endpoint, clock, shared));
    const credential = parseCredential({ refresh_token: 'r' }, 'test', 'test');
    endpoint.hold();
    const tokens = Promise.all(replicas.flatMap((replica) => Array.from({ length: 10 }, () => replica.getAccessToken(credential))));
    setTimeout(() => endpoint.open(), 100);
    expect(new Set(await tokens)).toEqual(new Set(['token-1']));
    expect(endpoint.refreshes).toBe(1);
    endpoint.revoked = true;
    await expect(replicas[0].getAccessToken(credential, { replacing: 'token-1' })).rejects.toBeInstanceOf(CredentialRevokedError);
    await expect(replicas[1].getAccessToken(credential, { replacing: 'token-1' })).rejects.toThrow(/invalid_grant/);
    expect(endpoint.refreshes).toBe(2);
  });

  it('remembers a revoked credential instead of hammering the token endpoint', async () => {
    const credential = parseCredential({ refresh_token: 'r', label: 'team' }, 'test', 'test');
    endpoint.revoked = true;
    await expect(service.getAccessToken(credential)).rejects.toThrow(/"team".*invalid_grant/);
    await expect(service.getAccessToken(credential)).rejects.toBeInstanceOf(CredentialRevokedError);
    expect(endpoint.refreshes).toBe(1);
    expect(service.isRevoked(credential.id)).toBe(true);
  });
});
