/**
 * The neutral event union between the Gemini stream and any client dialect (OpenAI today,
 * Anthropic or Responses later). A decoder turns upstream chunks into these; an encoder turns
 * these into the client's wire format. Events carry no ids or timestamps of the response itself:
 * those are injected into the encoder.
 */

/** Why a choice ended, in dialect-neutral terms. `error` is never a clean end: see {@link streamFailureOf}. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

/** Visible answer text for choice `index`. Never empty. */
export interface TextDeltaEvent {
  type: 'text-delta';
  index: number;
  text: string;
}

/** Thought-summary text (Gemini `thought: true` parts). Never empty. */
export interface ReasoningDeltaEvent {
  type: 'reasoning-delta';
  index: number;
  text: string;
}

/**
 * One complete function call. `id` is the injected base id (`call_…`); the dialect encoder decides
 * how to carry `thoughtSignature` back to the client (OpenAI: an id suffix, see tool-call-id.ts).
 */
export interface ToolCallEvent {
  type: 'tool-call';
  index: number;
  /** Position of this call among the calls of choice `index` (0, 1, 2…). */
  callIndex: number;
  id: string;
  name: string;
  /** The arguments as a JSON object string. */
  arguments: string;
  thoughtSignature?: string;
}

/** Inline image output (image-generation models). `data` is base64. */
export interface ImageEvent {
  type: 'image';
  index: number;
  mimeType: string;
  data: string;
}

export interface Source {
  uri: string;
  title: string;
}

/** Grounding sources (Google Search) not yet reported for choice `index`. */
export interface SourcesEvent {
  type: 'sources';
  index: number;
  sources: Source[];
}

/**
 * Token usage for the whole response. `completionTokens` includes `reasoningTokens` (OpenAI's
 * convention); Gemini's `candidatesTokenCount` does not, the decoder adds them.
 */
export interface UsageEvent {
  type: 'usage';
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  cachedTokens?: number;
}

export interface FinishEvent {
  type: 'finish';
  index: number;
  reason: FinishReason;
  /** Gemini's own finishReason / blockReason, or null when the decoder synthesized the finish. */
  rawReason: string | null;
  /** Human explanation for anything but a plain stop/length/tool_calls. */
  message?: string;
}

/** The prompt itself was refused (promptFeedback.blockReason); always followed by a content_filter finish. */
export interface BlockedEvent {
  type: 'blocked';
  reason: string;
  message: string;
}

/** The response cannot be completed (truncated upstream stream, in-band upstream error). */
export interface ErrorEvent {
  type: 'error';
  message: string;
  code?: string;
}

export type StreamEvent =
  | TextDeltaEvent
  | ReasoningDeltaEvent
  | ToolCallEvent
  | ImageEvent
  | SourcesEvent
  | UsageEvent
  | FinishEvent
  | BlockedEvent
  | ErrorEvent;

/** What an HTTP layer needs to report a failed response in its dialect. */
export interface StreamFailure {
  message: string;
  code: string;
}

/**
 * The failure an event stands for, if any: an `error` event, or a finish whose reason is `error`
 * (MALFORMED_FUNCTION_CALL and friends). Encoders emit nothing for these; the HTTP layer writes the
 * dialect's error instead (in-band for streams, an error status for non-streaming calls).
 */
export function streamFailureOf(event: StreamEvent): StreamFailure | undefined {
  if (event.type === 'error') return { message: event.message, code: event.code ?? 'upstream_error' };
  if (event.type === 'finish' && event.reason === 'error') {
    return { message: event.message ?? 'The model ended the response with an error.', code: failureCodeFor(event.rawReason) };
  }
  return undefined;
}

/** The first failure in a list of events (non-streaming path), or undefined. */
export function findStreamFailure(events: readonly StreamEvent[]): StreamFailure | undefined {
  for (const event of events) {
    const failure = streamFailureOf(event);
    if (failure) return failure;
  }
  return undefined;
}

const TOOL_FAILURES = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL', 'TOO_MANY_TOOL_CALLS']);

function failureCodeFor(rawReason: string | null): string {
  if (rawReason === null) return 'upstream_error';
  // Other error finishes are stops without any output (OTHER, NO_IMAGE… on an empty candidate).
  return TOOL_FAILURES.has(rawReason) ? rawReason.toLowerCase() : 'empty_response';
}
