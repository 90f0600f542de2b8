/**
 * generateContent / streamGenerateContent / countTokens: envelope validation like the real service,
 * behaviour selection (directive > queue > default), timing, and the answer (§1.3–§1.5).
 */
import {
  behaviourError,
  consumerInvalidError,
  invalidArgumentError,
  invalidJsonError,
  notFoundError,
  validationRequiredError,
  type EmulatorError,
} from './error-bodies';
import { isRecord, parseJson, sendError, sendJson, sleep, type RequestContext } from './http-utils';
import { estimateTokens, lastUserText, parseDirective, promptCharacters } from './prompt';
import { fullResponse, planFor, streamEvents, type ContentBehaviour, type GenerationInput, type ResponseMeta } from './responses';
import { checkFunctionDeclarations, checkFunctionResponses, checkThoughtSignatures } from './schema-check';
import { SseWriter } from './sse-writer';
import { randomHex, randomId, type AccountState } from './state';
import type { EmulatorBehaviour } from './types';

export interface ValidEnvelope {
  model: string;
  project: string;
  request: Record<string, unknown>;
}

/** Parses the body into `{model, project, request}` or the error the real service would answer. */
function validateEnvelope(context: RequestContext, account: AccountState): ValidEnvelope | EmulatorError {
  const parsed = parseJson(context.rawBody);
  if (!parsed.ok) return invalidJsonError(parsed.message);
  context.record.body = parsed.value;
  const envelope = parsed.value;
  if (!isRecord(envelope)) return invalidJsonError('Root element must be a message.');
  const model = envelope.model;
  if (typeof model !== 'string' || model === '' || model.startsWith('models/')) return invalidArgumentError();
  if (!context.state.models.has(model)) return notFoundError();
  if (account.mode === 'validation-required' && !account.onboardedTier) return validationRequiredError();
  const project = typeof envelope.project === 'string' ? envelope.project : '';
  if (!account.project || project !== account.project) return consumerInvalidError(project);
  const request = envelope.request;
  if (!isRecord(request)) return invalidArgumentError();
  return checkRequest(model, request) ?? { model, project, request };
}

/** The generation request itself (the public API's body, Code Assist's `request`), checked like Google does. */
export function checkRequest(model: string, request: Record<string, unknown>): EmulatorError | undefined {
  if (!Array.isArray(request.contents) || request.contents.length === 0) return invalidArgumentError();
  return checkContents(request.contents) ?? checkFunctionResponses(request.contents)
    ?? checkThoughtSignatures(model, request.contents) ?? checkFunctionDeclarations(request.tools) ?? checkTools(request.tools, model);
}

/** Each content needs non-empty `parts`; roles are `user` or `model` (the real message for other roles). */
function checkContents(contents: unknown[]): EmulatorError | undefined {
  for (const content of contents) {
    if (!isRecord(content) || !Array.isArray(content.parts) || content.parts.length === 0) return invalidArgumentError();
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'model') {
      return invalidArgumentError('Please use a valid role: user, model.');
    }
  }
  return undefined;
}

/**
 * Gemini 2.x refuses Google Search next to function declarations (built-in tools and functions
 * combine only from Gemini 3 on); the real service answers 400 with this message.
 */
function checkTools(tools: unknown, model: string): EmulatorError | undefined {
  if (!Array.isArray(tools) || model.startsWith('gemini-3')) return undefined;
  const hasSearch = tools.some((tool) => isRecord(tool) && (tool.googleSearch !== undefined || tool.googleSearchRetrieval !== undefined));
  const hasFunctions = tools.some((tool) => isRecord(tool) && Array.isArray(tool.functionDeclarations) && tool.functionDeclarations.length > 0);
  return hasSearch && hasFunctions ? invalidArgumentError('Multiple tools are supported only when they are all search tools.') : undefined;
}

type Selection = { ok: true; behaviour: EmulatorBehaviour; userText: string } | { ok: false; error: EmulatorError };

function selectBehaviour(context: RequestContext, request: Record<string, unknown>, account?: AccountState): Selection {
  const text = lastUserText(request.contents as unknown[]);
  const directive = parseDirective(text);
  if (directive.found && !directive.ok) return { ok: false, error: invalidArgumentError(directive.message) };
  if (directive.found && directive.ok) return { ok: true, behaviour: directive.behaviour, userText: directive.textWithoutDirective };
  return { ok: true, behaviour: context.state.takeBehaviour(account), userText: text };
}

function generationInput(envelope: ValidEnvelope, userText: string): GenerationInput {
  const config = isRecord(envelope.request.generationConfig) ? envelope.request.generationConfig : {};
  const thinking = isRecord(config.thinkingConfig) ? config.thinkingConfig : {};
  return {
    model: envelope.model,
    userText,
    includeThoughts: thinking.includeThoughts === true,
    jsonMode: config.responseMimeType === 'application/json',
    responseSchema: config.responseJsonSchema ?? config.responseSchema,
    promptTokens: Math.max(1, estimateTokens(promptCharacters(envelope.request))),
  };
}

export async function handleGeneration(context: RequestContext, account: AccountState, stream: boolean): Promise<void> {
  const envelope = validateEnvelope(context, account);
  if ('httpStatus' in envelope) return sendError(context, envelope, stream);
  return answerGeneration(context, envelope, { account, stream });
}

/** How an answer is dressed: Code Assist wraps it (`{response, traceId}`, errors of streams in an array); the public APIs do not. */
export interface AnswerOptions {
  account?: AccountState;
  stream: boolean;
  /** Public APIs (Gemini API, Vertex AI): the bare GenerateContentResponse. */
  bare?: boolean;
  /** The error body of an `error` behaviour on this service (default: Code Assist's). */
  errorFor?: (input: Parameters<typeof behaviourError>[0]) => EmulatorError;
}

/** Picks the behaviour and answers a checked generation request. */
export async function answerGeneration(context: RequestContext, envelope: ValidEnvelope, options: AnswerOptions): Promise<void> {
  const { stream } = options;
  const wrapErrors = stream && !options.bare;
  const selection = selectBehaviour(context, envelope.request, options.account);
  if (!selection.ok) return sendError(context, selection.error, wrapErrors);
  const { behaviour } = selection;
  if (behaviour.kind === 'hang') return; // answered never; close() or the client ends it
  const firstByteDelay = behaviour.kind === 'text' ? (behaviour.firstByteDelayMs ?? 0) : 0;
  if (!(await sleep(context.state.latencyMs + firstByteDelay, context.signal))) return;
  if (behaviour.kind === 'error') {
    const error = (options.errorFor ?? behaviourError)({ ...behaviour, model: envelope.model, project: envelope.project });
    return sendError(context, error, wrapErrors);
  }
  if (behaviour.kind === 'raw-reply') return sendRawReply(context, behaviour, stream);
  const input = generationInput(envelope, selection.userText);
  const meta: ResponseMeta = { model: envelope.model, responseId: randomId(15), createTime: new Date().toISOString() };
  const traceId = randomHex(8);
  const dress = (event: unknown): unknown => (options.bare ? event : { response: event, traceId });
  if (stream) return streamAnswer(context, behaviour, input, meta, dress);
  if (behaviour.kind === 'abort-stream') {
    context.request.socket.destroy();
    return;
  }
  sendJson(context, 200, dress(fullResponse(planFor(behaviour, input), meta)));
}

async function streamAnswer(context: RequestContext, behaviour: ContentBehaviour, input: GenerationInput, meta: ResponseMeta, dress: (event: unknown) => unknown): Promise<void> {
  const writer = new SseWriter(context);
  const chunkDelay = behaviour.kind === 'text' ? (behaviour.chunkDelayMs ?? 0) : 0;
  const events = streamEvents(planFor(behaviour, input), meta);
  writer.start();
  for (const [index, event] of events.entries()) {
    if (index > 0 && !(await sleep(chunkDelay, context.signal))) return;
    if (!(await writer.send(dress(event)))) return;
  }
  if (behaviour.kind === 'abort-stream') writer.destroy();
  else writer.end();
}

/** Writes a `raw-reply` behaviour, honouring backpressure so a large body does not pile up in memory. */
async function sendRawReply(context: RequestContext, behaviour: Extract<EmulatorBehaviour, { kind: 'raw-reply' }>, stream: boolean): Promise<void> {
  const { response } = context;
  const status = behaviour.status ?? 200;
  context.record.status = status;
  response.writeHead(status, { 'content-type': behaviour.contentType ?? (stream ? 'text/event-stream' : 'application/json; charset=UTF-8') });
  const piece = behaviour.body ?? '';
  for (let index = 0; index < (behaviour.repeat ?? 1); index += 1) {
    if (context.signal.aborted || response.destroyed) return;
    if (!response.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          response.off('drain', done);
          response.off('close', done);
          resolve();
        };
        response.on('drain', done);
        response.on('close', done);
      });
    }
  }
  if (!response.destroyed) response.end();
}

/** countTokens: `{request:{model:"models/<id>", contents}}`, no project (§1.5). */
export function handleCountTokens(context: RequestContext): void {
  const parsed = parseJson(context.rawBody);
  if (!parsed.ok) return sendError(context, invalidJsonError(parsed.message));
  context.record.body = parsed.value;
  const request = isRecord(parsed.value) ? parsed.value.request : undefined;
  if (!isRecord(request)) return sendError(context, invalidArgumentError());
  const model = typeof request.model === 'string' ? request.model.replace(/^models\//, '') : '';
  if (model === '') return sendError(context, invalidArgumentError());
  if (!context.state.models.has(model)) return sendError(context, notFoundError());
  if (!Array.isArray(request.contents) || request.contents.length === 0) return sendError(context, invalidArgumentError());
  sendJson(context, 200, { totalTokens: estimateTokens(promptCharacters(request)) });
}
