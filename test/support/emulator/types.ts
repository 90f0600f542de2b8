/**
 * Public types of the Google emulator (OAuth token endpoint + Code Assist `v1internal`).
 * Wire shapes follow docs/wire/; see README-style notes in index.ts.
 */

export type OnboardingMode = 'onboarded' | 'new' | 'project-required' | 'ineligible' | 'validation-required';

export interface EmulatorAccountOptions {
  /** The credential's refresh token; identifies the account. */
  refreshToken: string;
  /** Expected OAuth client id (default: Gemini CLI's public one). */
  clientId?: string;
  /** When set, `/token` also checks `client_secret` (401 invalid_client on mismatch). */
  clientSecret?: string;
  /** The Code Assist project (default: `emu-project-<n>`). */
  projectId?: string;
  /** Default 'onboarded'. */
  onboarding?: OnboardingMode;
  /**
   * Default 0: onboardUser answers `done:true` at once. N > 0: onboardUser answers `done:false` with a name,
   * and the N-th `GET operations/<id>` poll is the first to answer `done:true` — N `done:false` answers
   * (counting onboardUser's) and N polls in all.
   */
  pendingOperationPolls?: number;
  email?: string;
}

export type UsageField = 'promptTokenCount' | 'candidatesTokenCount' | 'thoughtsTokenCount' | 'totalTokenCount';

export type EmulatorErrorName =
  | 'rate-limit'
  | 'daily-quota'
  | 'capacity'
  | 'server'
  | 'unavailable'
  | 'not-found'
  | 'unauthenticated'
  | 'validation-required'
  | 'permission-denied'
  /** A 403 about what the request names (a file it may not read), not about the account. */
  | 'forbidden-resource'
  | 'invalid-argument';

export type EmulatorBehaviour =
  | {
      kind: 'text';
      /** Omitted: the echo text, split in up to 3 chunks. */
      chunks?: string[];
      thoughts?: string[];
      finishReason?: string;
      chunkDelayMs?: number;
      firstByteDelayMs?: number;
      usage?: Partial<Record<UsageField, number>>;
    }
  /** `omitFinishReason`: the turn ends without a finishReason, as Code Assist sometimes ends tool turns. */
  | { kind: 'function-call'; calls: Array<{ name: string; args: Record<string, unknown>; id?: string }>; thoughtSignature?: string; thoughts?: string[]; omitFinishReason?: boolean }
  | { kind: 'error'; error: EmulatorErrorName; retryDelaySeconds?: number; status?: number }
  /** Stream sends these chunks WITHOUT finishReason, then ends the body cleanly. */
  | { kind: 'cut-stream'; chunks?: string[] }
  /** Sends chunks then destroys the socket (network error mid-stream). */
  | { kind: 'abort-stream'; chunks?: string[] }
  /** HTTP 200, promptFeedback.blockReason, no candidates. */
  | { kind: 'safety-block'; blockReason?: string }
  | { kind: 'image'; mimeType?: string; data?: string; text?: string }
  | { kind: 'grounded'; text?: string; sources: Array<{ uri: string; title: string }> }
  /** Accept the request and never answer; cleaned up by close(). */
  | { kind: 'hang' }
  /**
   * A reply the real service should never send, to test robustness: `body` repeated `repeat` times
   * (default 1) with `status` (default 200) and the usual content type of the call (JSON, or SSE on
   * streams) unless `contentType` says otherwise. E.g. an empty 200, `null`, HTML, one endless SSE line.
   */
  | { kind: 'raw-reply'; status?: number; body?: string; repeat?: number; contentType?: string };

export interface EmulatorRequestRecord {
  /** 'generateContent' | 'streamGenerateContent' | 'countTokens' | 'loadCodeAssist' | 'onboardUser' | 'getOperation' | 'token' | ... */
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the parsed form for /token. */
  body: unknown;
  /** Which account the access token (or refresh token, for /token) belonged to. */
  accountRefreshToken?: string;
  /** Status the emulator answered (0 while no answer has been sent, e.g. a hung call). */
  status: number;
}

export interface EmulatorCounters {
  /** `grant_type=refresh_token` requests (successful or not). */
  refreshes: number;
  refreshesByToken: Record<string, number>;
  /** Generation calls (generateContent + streamGenerateContent) whose response has not ended yet. */
  inFlight: number;
  maxInFlight: number;
  /** Generation calls received (including rejected ones). */
  generateCalls: number;
  loadCodeAssistCalls: number;
  onboardCalls: number;
  /** Added: `grant_type=authorization_code` exchanges. */
  codeExchanges: number;
  /** Added: GET operations polls. */
  operationPolls: number;
  /** Added: countTokens calls. */
  countTokensCalls: number;
}

export interface AuthorizationCodeOptions {
  redirectUri: string;
  codeChallenge?: string;
  /** 'S256' (default when a challenge is given) or 'plain'. */
  codeChallengeMethod?: 'S256' | 'plain';
}

export interface StartEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only; default 127.0.0.1. */
  host?: string;
  /** Lifetime of minted access tokens (default 3599). */
  accessTokenTtlSeconds?: number;
  /** Delay added to every generation call before it answers. */
  latencyMs?: number;
  /** Serve HTTPS with this key pair (PEM) instead of HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface GoogleEmulator {
  /** Base, e.g. http://127.0.0.1:PORT — used as CODE_ASSIST_ENDPOINT. */
  readonly url: string;
  /** `${url}/token` — used as GOOGLE_OAUTH_TOKEN_URL. */
  readonly tokenUrl: string;
  readonly port: number;
  addAccount(options: EmulatorAccountOptions): void;
  /** Mint a valid access token for an account directly (to build credentials that already hold a token). */
  issueAccessToken(refreshToken: string, expiresInSeconds?: number): string;
  /** Later refreshes => 400 invalid_grant. Existing access tokens keep working (see invalidateAccessTokens). */
  revokeRefreshToken(refreshToken: string): void;
  /** Existing access tokens (of one account, or all) now get 401 UNAUTHENTICATED. */
  invalidateAccessTokens(refreshToken?: string): void;
  /** Used when the queue is empty; initial default: text echo. */
  setDefaultBehaviour(behaviour: EmulatorBehaviour): void;
  /** FIFO, consumed by the next generateContent/streamGenerateContent calls that pass validation. */
  enqueue(...behaviours: EmulatorBehaviour[]): void;
  /** Delay token endpoint answers (to widen race windows). */
  setTokenDelayMs(ms: number): void;
  /** What retrieveUserQuota reports as remainingFraction for `model`. */
  setQuotaFraction(model: string, fraction: number): void;
  /** Every request, in arrival order. The same array instance for the emulator's lifetime. */
  readonly requests: EmulatorRequestRecord[];
  counters(): EmulatorCounters;
  /** Resets counters, maxInFlight and the requests log. */
  resetCounters(): void;
  /** Closes the server and all sockets, including hung ones. */
  close(): Promise<void>;

  // ---- additions ----
  /** Registers a one-time authorization code for the account; `/token` grant_type=authorization_code redeems it. */
  createAuthorizationCode(refreshToken: string, options: AuthorizationCodeOptions): string;
  /** Account used by GET /o/oauth2/v2/auth (default: the first account added). */
  setAuthorizeAccount(refreshToken: string): void;
  /** Adds a model id to the known set (bare id, no `models/`). */
  addModel(id: string): void;
  /** Behaviour for every generation call of this account (a directive still wins); undefined clears it. */
  setAccountBehaviour(refreshToken: string, behaviour: EmulatorBehaviour | undefined): void;
  /** Switches an account's onboarding mode at run time (e.g. after "validation"); resets its onboarding state. */
  setOnboarding(refreshToken: string, mode: OnboardingMode): void;
  /** The account's current Code Assist project (undefined while it has none). */
  accountProject(refreshToken: string): string | undefined;
  /** Behaviours still waiting in the queue. */
  pendingBehaviours(): number;

  // ---- the public APIs (docs/wire/gemini-api-key.md, docs/wire/vertex.md) ----
  /** A Gemini API key the emulator accepts on `/v1beta/models/{m}:{method}` (`x-goog-api-key` or `?key=`). */
  addApiKey(key: string): void;
  /** A service account: the JWT-bearer grant at `/token` checks its RS256 signature with this public key; Vertex AI calls are allowed in `projects`. */
  addServiceAccount(options: { clientEmail: string; publicKeyPem: string; projects: string[] }): void;
  /** Serves `/computeMetadata/v1/…` (GCE / GKE Workload Identity) with tokens for this identity, allowed in `projects`. */
  enableMetadataServer(options: { email: string; projects: string[] }): void;
}
