import { readFile } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import { instance as gaxiosDefaults } from 'gaxios';
import { GoogleAuth, JWT } from 'google-auth-library';
import { GATEWAY_CONFIG, OUTBOUND_DISPATCHER, TokenRefreshFailedError, fetchVia, type GatewayConfig } from '@app/common';
import { CredentialFormatError, oauthErrorOf, serviceAccountKeyOf, type GoogleCredential, type ServiceAccountKey } from '@app/auth';
import { CredentialRejectedError } from './credential-rejected';
import { VertexTokens } from './vertex-backend';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Where google-auth-library 10.x's JWT client posts, whatever the key's `token_uri` says. */
const GOOGLE_TOKEN_ENDPOINTS = ['https://oauth2.googleapis.com/token', 'https://www.googleapis.com/oauth2/v4/token'];

interface TokenClient {
  token(): Promise<string | null | undefined>;
}

/**
 * Vertex AI tokens through google-auth-library (it caches each token until shortly before expiry):
 * - a service-account key: a JWT client WITH the cloud-platform scope (without scopes it signs its
 *   own JWTs and never calls the token endpoint), its token request sent to the key's `token_uri`
 *   (the library ignores it and posts to Google's endpoint; a private endpoint or the emulator needs it);
 * - `vertex_adc`: the ambient identity — GOOGLE_APPLICATION_CREDENTIALS or the metadata server
 *   (GKE Workload Identity; GCE_METADATA_HOST / GCE_METADATA_IP, read by the library itself).
 */
@Injectable()
export class GoogleAuthVertexTokens extends VertexTokens {
  private readonly clients = new Map<string, TokenClient>();
  private readonly fetchImplementation: typeof fetch;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig, @Inject(OUTBOUND_DISPATCHER) dispatcher: Dispatcher) {
    super();
    this.fetchImplementation = fetchVia(dispatcher);
  }

  async accessToken(credential: GoogleCredential, options: { replacing?: string } = {}): Promise<string> {
    if (options.replacing) this.clients.delete(credential.id);
    try {
      const token = await (await this.clientFor(credential)).token();
      if (!token) throw new Error('no access token in the answer');
      return token;
    } catch (error) {
      throw this.explain(credential, error);
    }
  }

  private async clientFor(credential: GoogleCredential): Promise<TokenClient> {
    const cached = this.clients.get(credential.id);
    if (cached) return cached;
    const keyFile = credential.vertex?.keyFile;
    const account = credential.vertex?.serviceAccount ?? (keyFile ? await readKeyFile(keyFile, credential.label) : undefined);
    const transporterOptions = { timeout: this.config.upstream.oauthTimeoutMs, retry: false, fetchImplementation: this.redirectingFetch(account?.tokenUri) };
    let client: TokenClient;
    if (account) {
      const jwt = new JWT({ email: account.clientEmail, key: account.privateKey, scopes: [CLOUD_PLATFORM_SCOPE], transporterOptions });
      client = { token: async () => (await jwt.getAccessToken()).token };
    } else {
      useBuiltInFetchForMetadata();
      const ambient = new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE], clientOptions: { transporterOptions } });
      client = { token: () => ambient.getAccessToken() };
    }
    this.clients.set(credential.id, client);
    return client;
  }

  /** Sends Google's token endpoint calls to `tokenUri` instead (when the key names another one). */
  private redirectingFetch(tokenUri: string | undefined): typeof fetch {
    const send = this.fetchImplementation;
    if (!tokenUri || GOOGLE_TOKEN_ENDPOINTS.includes(tokenUri)) return send;
    return ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      return send(GOOGLE_TOKEN_ENDPOINTS.some((endpoint) => url.startsWith(endpoint)) ? tokenUri : input, init);
    }) as typeof fetch;
  }

  private explain(credential: GoogleCredential, error: unknown): Error {
    const answer = oauthErrorOf(error);
    if (answer && (answer.error === 'invalid_grant' || answer.error === 'invalid_client' || answer.error === 'unauthorized_client')) {
      return new CredentialRejectedError(credential.label, 'vertex', answer.error, answer.description ?? 'The token endpoint refused the service account.');
    }
    const code = (error as { code?: unknown } | null)?.code;
    // Only what cannot name internal addresses reaches the client: a status, an error code, our own key-file message.
    const why = answer ? `HTTP ${answer.httpStatus}` : error instanceof KeyFileError || error instanceof CredentialFormatError ? error.message : typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? code : 'no answer';
    return new TokenRefreshFailedError(`Getting a Vertex AI access token for credential "${credential.label}" failed: ${why}. Check the key, the metadata server (GKE Workload Identity) and network access.`, error);
  }
}

class KeyFileError extends Error {}

/** A mounted service-account key file (read at first use, so a rotated Secret is picked up after a 401). */
async function readKeyFile(path: string, label: string): Promise<ServiceAccountKey> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new KeyFileError(`credential "${label}": cannot read its key_file ${path} (${(error as NodeJS.ErrnoException).code ?? 'not JSON'})`);
  }
  return serviceAccountKeyOf(typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}, path);
}

/**
 * The metadata server is reached by gcp-metadata through gaxios's shared instance, which would load
 * node-fetch on first use; Node's own fetch does the job (and never sends the call through
 * HTTPS_PROXY: the metadata server is link-local). Set once, only when nothing else chose a fetch.
 */
function useBuiltInFetchForMetadata(): void {
  gaxiosDefaults.defaults.fetchImplementation ??= globalThis.fetch;
}
