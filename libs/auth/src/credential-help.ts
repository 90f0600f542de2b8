/**
 * The words a new user reads when the gateway has no usable Google account: what was searched and
 * what fixes it. One place, so the start-up warning, the 503 and the readiness message agree.
 * Used by apps/gateway/src/main.ts and (for the 503) libs/upstream's noAccountError.
 */

/** Where credentials are looked for, in order of precedence (libs/auth/src/google-credentials.ts). */
export const CREDENTIAL_SOURCES = 'GEMINI_CREDENTIALS, GEMINI_CREDENTIALS_DIR, GOOGLE_APPLICATION_CREDENTIALS, ./oauth_creds.json, ~/.gemini/oauth_creds.json';

/** How to get a credential, as one sentence. */
export const CREDENTIAL_FIXES =
  'Run `npm run login` in the gateway\'s folder (it writes ./oauth_creds.json; then restart the gateway), '
  + 'or set GEMINI_CREDENTIALS to the credential JSON (GOOGLE_APPLICATION_CREDENTIALS to a path of one).';

/** Where account state is shown, and how to turn that page on. */
export function adminStatusHint(adminStatusEnabled: boolean): string {
  return adminStatusEnabled
    ? 'Each account\'s state is at GET /admin/status (Bearer ADMIN_API_KEY).'
    : 'Set ADMIN_API_KEY to see each account\'s state at GET /admin/status.';
}

/** The start-up warning when no source held a credential. */
export function noCredentialsWarning(): string {
  return `No Google credentials found (looked in ${CREDENTIAL_SOURCES}); /health/ready stays 503 and API calls answer 503 until one is configured. ${CREDENTIAL_FIXES}`;
}

export interface NoUsableAccountFacts {
  model: string;
  /** Accounts loaded on this replica (0: none configured). */
  configuredAccounts: number;
  /** Why each loaded account was skipped, already joined (empty when none). */
  reasons: string;
  adminStatusEnabled: boolean;
}

/** The 503 `no_usable_credential` message: the cause, then the fix. */
export function noUsableAccountMessage(facts: NoUsableAccountFacts): string {
  if (facts.configuredAccounts === 0) {
    return `No usable Google account for ${facts.model}: no Google credentials are configured (looked in ${CREDENTIAL_SOURCES}). ${CREDENTIAL_FIXES} ${adminStatusHint(facts.adminStatusEnabled)}`;
  }
  return `No usable Google account for ${facts.model}: ${facts.reasons || 'all disabled'}. ${adminStatusHint(facts.adminStatusEnabled)} A disabled account needs a new login: ${CREDENTIAL_FIXES}`;
}
