import { randomBytes } from 'node:crypto';
import type {
  AuthorizationCodeOptions,
  EmulatorAccountOptions,
  EmulatorBehaviour,
  EmulatorCounters,
  EmulatorRequestRecord,
  OnboardingMode,
} from './types';

export const GEMINI_CLI_CLIENT_ID = '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com';
export const GEMINI_CLI_CLIENT_SECRET = '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';
export const OAUTH_SCOPES =
  'https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile openid';

export const DEFAULT_MODELS = [
  'gemini-2.5-pro',
  'gemini-2.5-flash',
  'gemini-2.5-flash-lite',
  'gemini-2.5-flash-image-preview',
  'gemini-3-pro-preview',
  'gemini-3.1-pro-preview',
  'gemini-3-flash-preview',
  'gemini-3.1-flash-lite',
  // Gemini CLI 0.61: Code Assist serves Gemini 3.5 Flash as `gemini-3-flash` (it does not expect the
  // string `gemini-3.5-flash`), and the router/helper models under their own names.
  'gemini-3-flash',
  'gemini-3.5-flash-lite',
  'gemini-3.8-flash',
  'gemini-3.1-pro-preview-customtools',
];

export type TierId = 'free-tier' | 'standard-tier';

export interface AccountState {
  refreshToken: string;
  clientId: string;
  clientSecret?: string;
  email: string;
  /** Stable numeric id used for `sub` claims. */
  subject: string;
  /** Project given in the options (the only one the account may use), if any. */
  explicitProjectId?: string;
  /** Project assigned when the account is onboarded to the free tier. */
  defaultProjectId: string;
  mode: OnboardingMode;
  pendingOperationPolls: number;
  revoked: boolean;
  /** Behaviour for this account's generation calls (after directives, before the queue), if set. */
  behaviour?: EmulatorBehaviour;
  /** Onboarding result: undefined while the account has no current tier. */
  onboardedTier?: TierId;
  /** The project generation calls must name (undefined while not onboarded). */
  project?: string;
}

export interface AccessTokenState {
  refreshToken: string;
  expiresAtMs: number;
}

export interface AuthorizationCodeState extends AuthorizationCodeOptions {
  refreshToken: string;
}

export interface OperationState {
  refreshToken: string;
  remainingPolls: number;
  /** What the operation resolves to. */
  response: Record<string, unknown>;
  /** Applies the onboarding result; run once, when the operation first reports done. */
  complete?: () => void;
}

export const randomId = (bytes = 12): string => randomBytes(bytes).toString('base64url');
export const randomHex = (bytes = 8): string => randomBytes(bytes).toString('hex');

/** All mutable emulator state, shared by the route handlers. Plain data, no I/O. */
export class EmulatorState {
  readonly accounts = new Map<string, AccountState>();
  readonly accessTokens = new Map<string, AccessTokenState>();
  readonly authorizationCodes = new Map<string, AuthorizationCodeState>();
  readonly operations = new Map<string, OperationState>();
  readonly models = new Set<string>(DEFAULT_MODELS);
  /** retrieveUserQuota's remainingFraction per model (1 when not set). */
  readonly quotaFractions = new Map<string, number>();
  readonly requests: EmulatorRequestRecord[] = [];
  readonly queue: EmulatorBehaviour[] = [];
  defaultBehaviour: EmulatorBehaviour = { kind: 'text' };
  tokenDelayMs = 0;
  authorizeAccount?: string;
  /** Gemini API keys the emulated AI Studio project knows. */
  readonly apiKeys = new Set<string>();
  /** Google identities for Vertex AI (service accounts, the metadata server's), by email: their public key and the projects they may call. */
  readonly identities = new Map<string, { publicKeyPem?: string; projects: Set<string> }>();
  /** Bearer tokens issued for Vertex AI (JWT-bearer grant, metadata server). */
  readonly identityTokens = new Map<string, { email: string; expiresAtMs: number }>();
  /** The identity the metadata server hands tokens for (GKE Workload Identity); unset: no metadata server. */
  metadataIdentity?: string;
  private accountCount = 0;
  private operationCount = 0;
  private counterValues = EmulatorState.zeroCounters();

  constructor(
    readonly accessTokenTtlSeconds: number,
    readonly latencyMs: number,
  ) {}

  private static zeroCounters(): EmulatorCounters {
    return {
      refreshes: 0,
      refreshesByToken: {},
      inFlight: 0,
      maxInFlight: 0,
      generateCalls: 0,
      loadCodeAssistCalls: 0,
      onboardCalls: 0,
      codeExchanges: 0,
      operationPolls: 0,
      countTokensCalls: 0,
    };
  }

  addAccount(options: EmulatorAccountOptions): void {
    if (!options.refreshToken) throw new Error('emulator: addAccount needs a refreshToken');
    this.accountCount += 1;
    const number = this.accountCount;
    const account: AccountState = {
      refreshToken: options.refreshToken,
      clientId: options.clientId ?? GEMINI_CLI_CLIENT_ID,
      clientSecret: options.clientSecret,
      email: options.email ?? `emu-user-${number}@example.com`,
      subject: `1${String(number).padStart(20, '0')}`,
      explicitProjectId: options.projectId,
      defaultProjectId: options.projectId ?? `emu-project-${number}`,
      mode: options.onboarding ?? 'onboarded',
      pendingOperationPolls: Math.max(0, options.pendingOperationPolls ?? 0),
      revoked: false,
    };
    this.resetOnboarding(account);
    this.accounts.set(account.refreshToken, account);
  }

  resetOnboarding(account: AccountState): void {
    account.onboardedTier = account.mode === 'onboarded' ? 'free-tier' : undefined;
    account.project = account.mode === 'onboarded' ? account.defaultProjectId : undefined;
  }

  setOnboarding(refreshToken: string, mode: OnboardingMode): void {
    const account = this.requireAccount(refreshToken);
    account.mode = mode;
    this.resetOnboarding(account);
  }

  requireAccount(refreshToken: string): AccountState {
    const account = this.accounts.get(refreshToken);
    if (!account) throw new Error(`emulator: unknown account ${refreshToken}`);
    return account;
  }

  issueAccessToken(refreshToken: string, expiresInSeconds = this.accessTokenTtlSeconds): string {
    this.requireAccount(refreshToken);
    const token = `ya29.emu-${randomId(24)}`;
    this.accessTokens.set(token, { refreshToken, expiresAtMs: Date.now() + expiresInSeconds * 1000 });
    return token;
  }

  /** The account owning a valid, unexpired access token, or undefined. */
  accountForAccessToken(token: string): AccountState | undefined {
    const state = this.accessTokens.get(token);
    if (!state) return undefined;
    if (state.expiresAtMs <= Date.now()) return undefined;
    return this.accounts.get(state.refreshToken);
  }

  invalidateAccessTokens(refreshToken?: string): void {
    for (const [token, state] of this.accessTokens) {
      if (refreshToken === undefined || state.refreshToken === refreshToken) this.accessTokens.delete(token);
    }
  }

  createAuthorizationCode(refreshToken: string, options: AuthorizationCodeOptions): string {
    this.requireAccount(refreshToken);
    const code = `4/0emu-${randomId(30)}`;
    this.authorizationCodes.set(code, { ...options, refreshToken });
    return code;
  }

  createOperation(operation: OperationState): string {
    this.operationCount += 1;
    const name = `operations/emu-${this.operationCount}-${randomHex(4)}`;
    this.operations.set(name, operation);
    return name;
  }

  issueIdentityToken(email: string): string {
    const token = `ya29.c.emu-${randomId(24)}`;
    this.identityTokens.set(token, { email, expiresAtMs: Date.now() + this.accessTokenTtlSeconds * 1000 });
    return token;
  }

  /** The identity owning a valid, unexpired Vertex AI token, or undefined. */
  identityForToken(token: string): { email: string; projects: Set<string> } | undefined {
    const state = this.identityTokens.get(token);
    if (!state || state.expiresAtMs <= Date.now()) return undefined;
    const identity = this.identities.get(state.email);
    return identity ? { email: state.email, projects: identity.projects } : undefined;
  }

  /** The account's own behaviour, else the next from the queue, else the default. */
  takeBehaviour(account?: AccountState): EmulatorBehaviour {
    return account?.behaviour ?? this.queue.shift() ?? this.defaultBehaviour;
  }

  get counterState(): EmulatorCounters {
    return this.counterValues;
  }

  countRefresh(refreshToken: string): void {
    this.counterValues.refreshes += 1;
    this.counterValues.refreshesByToken[refreshToken] = (this.counterValues.refreshesByToken[refreshToken] ?? 0) + 1;
  }

  enterGeneration(): () => void {
    const counters = this.counterValues;
    counters.generateCalls += 1;
    counters.inFlight += 1;
    counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      // The counters object may have been replaced by resetCounters(); inFlight lives on in the new one.
      this.counterValues.inFlight = Math.max(0, this.counterValues.inFlight - 1);
    };
  }

  snapshotCounters(): EmulatorCounters {
    return { ...this.counterValues, refreshesByToken: { ...this.counterValues.refreshesByToken } };
  }

  resetCounters(): void {
    const inFlight = this.counterValues.inFlight;
    this.counterValues = { ...EmulatorState.zeroCounters(), inFlight, maxInFlight: inFlight };
    this.requests.length = 0;
  }
}
