import { Inject, Injectable, Logger } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '@app/common';
import type { GoogleCredential } from './google-credentials';
import { CredentialRevokedError, TokenEndpoint } from './token-endpoint';

interface CachedToken {
  accessToken: string;
  /** Epoch ms; undefined = unknown (a file without expiry): refresh before first use. */
  expiryMs?: number;
}

export const CLOCK = Symbol('CLOCK');
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/**
 * Hands out access tokens per credential: refreshed ahead of expiry (TOKEN_REFRESH_MARGIN_MS),
 * also when the file had no expiry; one refresh at a time per credential (concurrent callers share
 * the same promise); after an upstream 401 the caller asks for a replacement of the token it used,
 * and only the first such caller refreshes.
 */
@Injectable()
export class AccessTokenService {
  private readonly logger = new Logger('tokens');
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();
  private readonly revoked = new Map<string, CredentialRevokedError>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly tokenEndpoint: TokenEndpoint,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async getAccessToken(credential: GoogleCredential, options: { replacing?: string } = {}): Promise<string> {
    const revoked = this.revoked.get(credential.id);
    if (revoked) throw revoked;
    const cached = this.cache.get(credential.id) ?? this.seed(credential);
    const stale = options.replacing !== undefined && cached?.accessToken === options.replacing;
    if (cached && !stale && this.isFresh(cached)) return cached.accessToken;
    return (await this.refreshOnce(credential)).accessToken;
  }

  /** True once Google said invalid_grant for this credential. */
  isRevoked(credentialId: string): boolean {
    return this.revoked.has(credentialId);
  }

  private seed(credential: GoogleCredential): CachedToken | undefined {
    if (!credential.accessToken) return undefined;
    const seeded = { accessToken: credential.accessToken, expiryMs: credential.expiryMs };
    this.cache.set(credential.id, seeded);
    return seeded;
  }

  private isFresh(token: CachedToken): boolean {
    return token.expiryMs !== undefined && token.expiryMs - this.clock.now() > this.config.upstream.tokenRefreshMarginMs;
  }

  private refreshOnce(credential: GoogleCredential): Promise<CachedToken> {
    const running = this.inFlight.get(credential.id);
    if (running) return running;
    const refresh = this.tokenEndpoint.refresh(credential).then(
      (token) => {
        const cached = { accessToken: token.accessToken, expiryMs: token.expiryMs };
        this.cache.set(credential.id, cached);
        this.logger.log({ msg: 'access token refreshed', credential: credential.label, expiresInS: Math.round((token.expiryMs - this.clock.now()) / 1000) });
        return cached;
      },
      (error: unknown) => {
        if (error instanceof CredentialRevokedError) {
          this.revoked.set(credential.id, error);
          this.cache.delete(credential.id);
        }
        this.logger.error({ msg: 'access token refresh failed', credential: credential.label, error: (error as Error).message });
        throw error;
      },
    ).finally(() => this.inFlight.delete(credential.id));
    this.inFlight.set(credential.id, refresh);
    return refresh;
  }
}
