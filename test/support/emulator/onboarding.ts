/**
 * loadCodeAssist / onboardUser / operations (code-assist-wire.md §1.6, §1.7, §2), driven by each
 * account's onboarding mode. Pure functions over the account state: they return what to answer.
 */
import {
  consumerInvalidError,
  invalidArgumentError,
  notEligibleError,
  notFoundError,
  preconditionFailedError,
  validationRequiredError,
  type EmulatorError,
} from './error-bodies';
import { isRecord } from './http-utils';
import type { AccountState, EmulatorState, TierId } from './state';

export type RpcResult = { ok: true; body: unknown } | { ok: false; error: EmulatorError };

const FREE_TIER = {
  id: 'free-tier',
  name: 'Gemini Code Assist for individuals',
  description: 'Gemini-powered code suggestions and chat in multiple IDEs',
  privacyNotice: { showNotice: true, noticeText: 'The emulator does not collect anything.' },
  isDefault: true,
};

const STANDARD_TIER = {
  id: 'standard-tier',
  name: 'Gemini Code Assist',
  description: 'Unlimited coding assistant with the most powerful Gemini models',
  userDefinedCloudaicompanionProject: true,
  privacyNotice: {},
};

const STANDARD_TIER_DEFAULT = { ...STANDARD_TIER, isDefault: true };

const UNSUPPORTED_LOCATION = {
  reasonCode: 'UNSUPPORTED_LOCATION',
  reasonMessage:
    'Your current account is not eligible for Gemini Code Assist for individuals because it is not currently available in your location.',
  tierId: 'free-tier',
  tierName: 'Gemini Code Assist for individuals',
};

const VALIDATION_REQUIRED = {
  reasonCode: 'VALIDATION_REQUIRED',
  reasonMessage: 'Your account requires verification before you can use Gemini Code Assist for individuals.',
  tierId: 'free-tier',
  tierName: 'Gemini Code Assist for individuals',
  validationErrorMessage: 'Account validation required',
  validationUrl: 'https://accounts.google.com/signin/continue?sarp=1&scc=1&continue=emulator',
  validationUrlLinkText: 'Verify your account',
  validationLearnMoreUrl: 'https://support.google.com/accounts?p=al_alert',
  validationLearnMoreLinkText: 'Learn more',
};

/** True for free-tier users ('onboarded', 'new', 'validation-required'); false for standard-only accounts. */
const offersFreeTier = (account: AccountState): boolean => account.mode !== 'project-required' && account.mode !== 'ineligible';

function allowedTiers(account: AccountState): unknown[] {
  return offersFreeTier(account) ? [FREE_TIER, STANDARD_TIER] : [STANDARD_TIER_DEFAULT];
}

function ineligibleTiers(account: AccountState): unknown[] | undefined {
  if (account.mode === 'ineligible') return [UNSUPPORTED_LOCATION];
  if (account.mode === 'validation-required') return [VALIDATION_REQUIRED];
  return undefined;
}

function tierObject(tier: TierId): Record<string, unknown> {
  return tier === 'free-tier' ? FREE_TIER : STANDARD_TIER_DEFAULT;
}

export function loadCodeAssist(account: AccountState): RpcResult {
  const ineligible = ineligibleTiers(account);
  const body: Record<string, unknown> = {};
  if (account.onboardedTier) body.currentTier = tierObject(account.onboardedTier);
  body.allowedTiers = allowedTiers(account);
  if (ineligible) body.ineligibleTiers = ineligible;
  if (account.onboardedTier && account.project) body.cloudaicompanionProject = account.project;
  body.gcpManaged = false;
  return { ok: true, body };
}

function onboardResponse(project: string | undefined): Record<string, unknown> {
  return {
    '@type': 'type.googleapis.com/google.internal.cloud.code.v1internal.OnboardUserResponse',
    cloudaicompanionProject: project ? { id: project, name: project, projectNumber: projectNumber(project) } : {},
    status: {
      statusCode: 'NOTICE',
      displayMessage: "You've successfully connected your Google Account to Gemini Code Assist (emulator).",
      messageTitle: 'Welcome to Gemini Code Assist',
    },
  };
}

function projectNumber(project: string): string {
  let hash = 0;
  for (const character of project) hash = (hash * 31 + character.charCodeAt(0)) % 1_000_000_000;
  return String(100_000_000_000 + hash);
}

/** What onboarding to `tierId` (with an optional user project) would give this account, or the error. */
function decideOnboarding(account: AccountState, tierId: string, requestedProject: string | undefined): { tier: TierId; project?: string } | EmulatorError {
  if (account.mode === 'validation-required') return validationRequiredError();
  if (tierId === 'free-tier') {
    if (!offersFreeTier(account)) return notEligibleError();
    if (requestedProject) return preconditionFailedError();
    return { tier: 'free-tier', project: account.defaultProjectId };
  }
  // standard-tier, legacy-tier and any paid tier id: the project is user-defined.
  if (!requestedProject) return { tier: 'standard-tier' };
  if (account.explicitProjectId !== undefined && requestedProject !== account.explicitProjectId) return consumerInvalidError(requestedProject);
  return { tier: 'standard-tier', project: requestedProject };
}

export function onboardUser(state: EmulatorState, account: AccountState, body: unknown): RpcResult {
  const request = isRecord(body) ? body : {};
  const tierId = typeof request.tierId === 'string' ? request.tierId : undefined;
  if (!tierId) return { ok: false, error: invalidArgumentError() };
  const requestedProject = typeof request.cloudaicompanionProject === 'string' && request.cloudaicompanionProject !== '' ? request.cloudaicompanionProject : undefined;
  const decision = decideOnboarding(account, tierId, requestedProject);
  if ('httpStatus' in decision) return { ok: false, error: decision };
  const response = onboardResponse(decision.project);
  const complete = (): void => {
    if (!decision.project) return; // standard tier without a project: `cloudaicompanionProject: {}`, still not onboarded
    account.onboardedTier = decision.tier;
    account.project = decision.project;
  };
  if (account.pendingOperationPolls === 0) {
    complete();
    return { ok: true, body: { name: 'operations/cmpf.DONE_OPERATION', done: true, response } };
  }
  // pendingOperationPolls = N: onboardUser answers done:false, GET polls 1..N-1 answer done:false, poll N answers done:true
  // (N done:false answers in all, N GET polls in all).
  const remainingPolls = account.pendingOperationPolls - 1;
  const name = state.createOperation({ refreshToken: account.refreshToken, response, remainingPolls, complete });
  return { ok: true, body: { name, done: false } };
}

export function getOperation(state: EmulatorState, account: AccountState, name: string): RpcResult {
  const operation = state.operations.get(name);
  if (!operation || operation.refreshToken !== account.refreshToken) return { ok: false, error: notFoundError() };
  if (operation.remainingPolls > 0) {
    operation.remainingPolls -= 1;
    return { ok: true, body: { name, done: false } };
  }
  operation.complete?.();
  operation.complete = undefined;
  return { ok: true, body: { name, done: true, response: operation.response } };
}
