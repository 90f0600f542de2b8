/**
 * Code Assist `v1internal` routes (§1.1, §1.2): `POST /v1internal:<method>` and
 * `GET /v1internal/operations/<id>`, all behind `Authorization: Bearer <access token>`.
 */
import { invalidJsonError, notFoundError, unauthenticatedError } from './error-bodies';
import { handleCountTokens, handleGeneration } from './generation';
import { bearerToken, isRecord, parseJson, sendError, sendJson, type RequestContext } from './http-utils';
import { getOperation, loadCodeAssist, onboardUser, type RpcResult } from './onboarding';
import type { AccountState } from './state';

const API_VERSION = 'v1internal';
const GENERATION_METHODS = new Set(['generateContent', 'streamGenerateContent']);
/** RPCs answered with GET; everything else is POST. */
const GET_METHODS = new Set(['getOperation', 'getCodeAssistGlobalUserSetting']);

export interface CodeAssistRoute {
  /** RPC name, or 'getOperation' for the operations path. */
  method: string;
  /** `operations/<id>` for getOperation. */
  operationName?: string;
}

/** Recognises a Code Assist URL path; undefined when it is not one. */
export function matchCodeAssistPath(pathname: string): CodeAssistRoute | undefined {
  const rpc = new RegExp(`^/${API_VERSION}:([A-Za-z]+)$`).exec(pathname);
  if (rpc?.[1]) return { method: rpc[1] };
  const operation = new RegExp(`^/${API_VERSION}/(operations/[^/]+)$`).exec(pathname);
  if (operation?.[1]) return { method: 'getOperation', operationName: operation[1] };
  return undefined;
}

export const isGenerationMethod = (method: string): boolean => GENERATION_METHODS.has(method);

function quotaBuckets(context: RequestContext): unknown {
  const resetTime = new Date(Date.now() + 24 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    buckets: [...context.state.models].map((modelId) => ({ modelId, tokenType: 'REQUESTS', remainingFraction: context.state.quotaFractions.get(modelId) ?? 1, resetTime })),
  };
}

/** Small RPCs that only need the parsed body. */
function simpleRpc(context: RequestContext, account: AccountState, method: string, body: unknown): RpcResult | undefined {
  switch (method) {
    case 'loadCodeAssist':
      context.state.counterState.loadCodeAssistCalls += 1;
      return loadCodeAssist(account);
    case 'onboardUser':
      context.state.counterState.onboardCalls += 1;
      return onboardUser(context.state, account, body);
    case 'listExperiments':
    case 'recordCodeAssistMetrics':
    case 'fetchAdminControls':
      return { ok: true, body: {} };
    case 'retrieveUserQuota':
      return { ok: true, body: quotaBuckets(context) };
    case 'getCodeAssistGlobalUserSetting':
      return { ok: true, body: { cloudaicompanionProject: account.project, freeTierDataCollectionOptin: false } };
    case 'setCodeAssistGlobalUserSetting':
      return { ok: true, body: { cloudaicompanionProject: account.project, freeTierDataCollectionOptin: false, ...(isRecord(body) ? body : {}) } };
    default:
      return undefined;
  }
}

const KNOWN_METHODS = new Set([
  'generateContent',
  'streamGenerateContent',
  'countTokens',
  'getOperation',
  'loadCodeAssist',
  'onboardUser',
  'listExperiments',
  'recordCodeAssistMetrics',
  'fetchAdminControls',
  'retrieveUserQuota',
  'getCodeAssistGlobalUserSetting',
  'setCodeAssistGlobalUserSetting',
]);

export async function handleCodeAssist(context: RequestContext, route: CodeAssistRoute): Promise<void> {
  const expectedHttpMethod = GET_METHODS.has(route.method) ? 'GET' : 'POST';
  if (!KNOWN_METHODS.has(route.method) || context.request.method !== expectedHttpMethod) return sendError(context, notFoundError());
  const stream = route.method === 'streamGenerateContent';

  const token = bearerToken(context.request);
  const account = token ? context.state.accountForAccessToken(token) : undefined;
  if (!account) return sendError(context, unauthenticatedError(token === undefined), stream);
  context.record.accountRefreshToken = account.refreshToken;

  if (isGenerationMethod(route.method)) return handleGeneration(context, account, stream);
  if (route.method === 'countTokens') {
    context.state.counterState.countTokensCalls += 1;
    return handleCountTokens(context);
  }
  if (route.method === 'getOperation') {
    context.state.counterState.operationPolls += 1;
    return reply(context, getOperation(context.state, account, route.operationName ?? ''));
  }
  const parsed = parseJson(context.rawBody);
  if (!parsed.ok) return sendError(context, invalidJsonError(parsed.message));
  context.record.body = parsed.value;
  const result = simpleRpc(context, account, route.method, parsed.value);
  return reply(context, result ?? { ok: false, error: notFoundError() });
}

function reply(context: RequestContext, result: RpcResult): void {
  if (result.ok) sendJson(context, 200, result.body);
  else sendError(context, result.error);
}
