import { Inject, Injectable, Logger } from '@nestjs/common';
import { GATEWAY_CONFIG, SecretBox, SharedState, sharedSingleFlight, type GatewayConfig } from '@app/common';
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

/** A credential that is not a Google login (an API key, a Vertex AI identity) was asked for an OAuth access token. */
export class NotAnOAuthLoginError extends Error {
  constructor(credential: GoogleCredential) {
    super(`credential "${credential.label}" (${credential.backend}) is not a Google login and has no OAuth access token`);
  }
}

const REVOKED_TTL_MS = 7 * 24 * 3_600_000;

export type RefreshResult = 'success' | 'failure' | 'revoked';

/**
 * Hands out access tokens per credential. Three layers, cheapest first:
 * 1. this replica's cache (no I/O on the hot path while the token is fresh);
 * 2. the shared state (a token another replica refreshed);
 * 3. a refresh, done by exactly one replica at a time per credential (lock with owner and expiry);
 *    the others wait for its result instead of refreshing too.
 * Refreshes happen TOKEN_REFRESH_MARGIN_MS ahead of expiry, and before first use when the file had
 * no expiry. After an upstream 401 a caller asks to replace the token it used; only the first such
 * caller refreshes. A revoked refresh token is recorded in shared state so every replica stops.
 */
@Injectable()
export class AccessTokenService {
  private readonly logger = new Logger('tokens');
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();
  private readonly revoked = new Map<string, CredentialRevokedError>();
  private readonly refreshListeners: Array<(credential: GoogleCredential, result: RefreshResult) => void> = [];
  /** Tokens are sealed in shared state when SHARED_STATE_ENCRYPTION_KEY is set. */
  private readonly box: SecretBox;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly tokenEndpoint: TokenEndpoint,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly state: SharedState,
  ) {
    this.box = new SecretBox(config.sharedStateEncryptionKey);
  }

  /** Metrics hook: one call per refresh this replica performed. */
  onRefresh(listener: (credential: GoogleCredential, result: RefreshResult) => void): void {
    this.refreshListeners.push(listener);
  }

  async getAccessToken(credential: GoogleCredential, options: { replacing?: string } = {}): Promise<string> {
    // API keys and Vertex AI credentials have no refresh token: refreshing one would read as "revoked"
    // and disable it. Only Code Assist logins come here (a caller that loops over every credential must skip the others).
    if (credential.backend !== undefined && credential.backend !== 'code_assist') throw new NotAnOAuthLoginError(credential);
    const revoked = this.revoked.get(credential.id);
    if (revoked) throw revoked;
    const cached = this.cache.get(credential.id) ?? this.seed(credential);
    const stale = options.replacing !== undefined && cached?.accessToken === options.replacing;
    if (cached && !stale && this.isFresh(cached)) return cached.accessToken;
    return (await this.refreshOnce(credential, options.replacing)).accessToken;
  }

  /** True once Google said invalid_grant for this credential (seen by this replica). */
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

  /** One refresh per credential inside this process; the shared layer handles the others. */
  private refreshOnce(credential: GoogleCredential, rejected?: string): Promise<CachedToken> {
    const running = this.inFlight.get(credential.id);
    if (running) return running;
    const refresh = this.sharedRefresh(credential, rejected)
      .then((token) => {
        this.cache.set(credential.id, token);
        return token;
      })
      .catch((error: unknown) => {
        if (error instanceof CredentialRevokedError) {
          this.revoked.set(credential.id, error);
          this.cache.delete(credential.id);
        }
        throw error;
      })
      .finally(() => this.inFlight.delete(credential.id));
    this.inFlight.set(credential.id, refresh);
    return refresh;
  }

  private sharedRefresh(credential: GoogleCredential, rejected?: string): Promise<CachedToken> {
    const revokedKey = `revoked:${credential.id}`;
    const valueKey = `token:${credential.id}`;
    return sharedSingleFlight<CachedToken>({
      state: this.state,
      valueKey,
      lockKey: `token-lock:${credential.id}`,
      lockTtlMs: this.config.upstream.oauthTimeoutMs + 5_000,
      read: (raw) => {
        const token = parseToken(this.box.open(raw, valueKey));
        return token && token.accessToken !== rejected && this.isFresh(token) ? token : undefined;
      },
      write: (token) => ({ raw: this.box.seal(JSON.stringify(token), valueKey), ttlMs: Math.max(1_000, (token.expiryMs ?? 0) - this.clock.now()) }),
      check: async () => {
        const reason = await this.state.get(revokedKey);
        if (reason) throw new CredentialRevokedError(credential, reason);
      },
      compute: async () => {
        try {
          const token = await this.tokenEndpoint.refresh(credential);
          this.report(credential, 'success');
          this.logger.log({ msg: 'access token refreshed', credential: credential.label, expiresInS: Math.round((token.expiryMs - this.clock.now()) / 1000) });
          return { accessToken: token.accessToken, expiryMs: token.expiryMs };
        } catch (error) {
          const revoked = error instanceof CredentialRevokedError;
          this.report(credential, revoked ? 'revoked' : 'failure');
          this.logger.error({ msg: 'access token refresh failed', credential: credential.label, error: (error as Error).message });
          if (revoked) await this.state.set(revokedKey, (error as CredentialRevokedError).detail, REVOKED_TTL_MS);
          throw error;
        }
      },
    });
  }

  private report(credential: GoogleCredential, result: RefreshResult): void {
    for (const listener of this.refreshListeners) listener(credential, result);
  }
}

function parseToken(raw: string | undefined): CachedToken | undefined {
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as CachedToken;
    return typeof parsed.accessToken === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
