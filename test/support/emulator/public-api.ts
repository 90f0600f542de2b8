/**
 * The public Gemini API (`/v1beta/models/{model}:{method}`, `x-goog-api-key` or `?key=`) and Vertex AI
 * (`/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:{method}`, Bearer token). Both take the
 * bare public request (a Code Assist envelope is an unknown field: 400) and answer the bare response;
 * errors are never array-wrapped on `alt=sse`.
 */
import { behaviourError, invalidArgumentError, invalidJsonError, notFoundError, unauthenticatedError, type EmulatorError } from './error-bodies';
import { answerGeneration, checkRequest } from './generation';
import { bearerToken, isRecord, parseJson, sendError, sendJson, type RequestContext } from './http-utils';
import { estimateTokens, promptCharacters } from './prompt';

const METHODS = new Set(['generateContent', 'streamGenerateContent', 'countTokens']);
const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';
/** Top-level fields of GenerateContentRequest (proto3 JSON accepts lowerCamel and snake_case). */
const GENERATE_FIELDS = ['contents', 'systemInstruction', 'tools', 'toolConfig', 'safetySettings', 'generationConfig', 'cachedContent', 'model', 'labels'];
const COUNT_FIELDS = ['contents', 'generateContentRequest', 'model', 'instances', 'systemInstruction', 'tools', 'generationConfig'];

export interface PublicRoute {
  service: 'gemini_api' | 'vertex';
  method: string;
  model: string;
  project?: string;
  location?: string;
}

export function matchPublicPath(pathname: string): PublicRoute | undefined {
  const gemini = /^\/v1beta\/models\/([^/:]+):([A-Za-z]+)$/.exec(pathname);
  if (gemini && METHODS.has(gemini[2])) return { service: 'gemini_api', model: decodeURIComponent(gemini[1]), method: gemini[2] };
  const vertex = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):([A-Za-z]+)$/.exec(pathname);
  if (vertex && METHODS.has(vertex[4])) return { service: 'vertex', project: decodeURIComponent(vertex[1]), location: decodeURIComponent(vertex[2]), model: decodeURIComponent(vertex[3]), method: vertex[4] };
  return undefined;
}

const make = (httpStatus: number, status: string, message: string, details?: Array<Record<string, unknown>>): EmulatorError => ({ httpStatus, body: { error: { code: httpStatus, message, status, ...(details ? { details } : {}) } } });

export const apiKeyInvalidError = (): EmulatorError => make(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
  { '@type': ERROR_INFO, reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
]);
const unregisteredCallerError = (): EmulatorError => make(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
const unknownFieldError = (field: string): EmulatorError => make(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${field}": Cannot find field.`, [
  { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ description: `Invalid JSON payload received. Unknown name "${field}": Cannot find field.` }] },
]);

function vertexDenied(route: PublicRoute): EmulatorError {
  const resource = `projects/${route.project}/locations/${route.location}/publishers/google/models/${route.model}`;
  return make(403, 'PERMISSION_DENIED', `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/${resource}' (or it may not exist).`, [
    { '@type': ERROR_INFO, reason: 'IAM_PERMISSION_DENIED', domain: 'aiplatform.googleapis.com', metadata: { permission: 'aiplatform.endpoints.predict', resource } },
  ]);
}

/** Error behaviours in each public service's own words: the Gemini API's 429 carries QuotaFailure + RetryInfo, Vertex AI's none. */
function publicBehaviourError(service: PublicRoute['service']): (input: Parameters<typeof behaviourError>[0]) => EmulatorError {
  return (input) => {
    if (input.error !== 'rate-limit') return behaviourError(input);
    if (service === 'vertex') return make(429, 'RESOURCE_EXHAUSTED', 'Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.');
    const seconds = input.retryDelaySeconds ?? 7;
    return make(429, 'RESOURCE_EXHAUSTED', `You exceeded your current quota, please check your plan and billing details. * Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 2\nPlease retry in ${seconds}s.`, [
      { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier', quotaDimensions: { location: 'global', model: input.model }, quotaValue: '2' }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` },
    ]);
  };
}

/** Who is calling: a known API key (Gemini API) or a Vertex token allowed in the path's project. */
function authProblem(context: RequestContext, route: PublicRoute): EmulatorError | undefined {
  if (route.service === 'gemini_api') {
    const header = context.request.headers['x-goog-api-key'];
    const key = (typeof header === 'string' ? header : undefined) ?? context.url.searchParams.get('key') ?? undefined;
    if (key === undefined) return unregisteredCallerError();
    return context.state.apiKeys.has(key) ? undefined : apiKeyInvalidError();
  }
  const token = bearerToken(context.request);
  const identity = token ? context.state.identityForToken(token) : undefined;
  if (!identity) return unauthenticatedError(token === undefined);
  context.record.accountRefreshToken = identity.email;
  return identity.projects.has(route.project ?? '') ? undefined : vertexDenied(route);
}

function snakeToCamel(name: string): string {
  return name.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

export async function handlePublicApi(context: RequestContext, route: PublicRoute): Promise<void> {
  const stream = route.method === 'streamGenerateContent';
  if (context.request.method !== 'POST') return sendError(context, notFoundError());
  const denied = authProblem(context, route);
  if (denied) return sendError(context, denied);
  const parsed = parseJson(context.rawBody);
  if (!parsed.ok) return sendError(context, invalidJsonError(parsed.message));
  context.record.body = parsed.value;
  if (!isRecord(parsed.value)) return sendError(context, invalidJsonError('Root element must be a message.'));
  const body = parsed.value;
  const allowed = route.method === 'countTokens' ? COUNT_FIELDS : GENERATE_FIELDS;
  const unknown = Object.keys(body).find((field) => !allowed.includes(snakeToCamel(field)));
  if (unknown) return sendError(context, unknownFieldError(unknown));
  if (!context.state.models.has(route.model)) return sendError(context, notFoundError());
  if (route.method === 'countTokens') {
    context.state.counterState.countTokensCalls += 1;
    const request = isRecord(body.generateContentRequest) ? body.generateContentRequest : body;
    if (!Array.isArray(request.contents) || request.contents.length === 0) return sendError(context, invalidArgumentError());
    return sendJson(context, 200, { totalTokens: estimateTokens(promptCharacters(request)) });
  }
  const problem = checkRequest(route.model, body);
  if (problem) return sendError(context, problem);
  return answerGeneration(context, { model: route.model, project: route.project ?? '', request: body }, { stream, bare: true, errorFor: publicBehaviourError(route.service) });
}
