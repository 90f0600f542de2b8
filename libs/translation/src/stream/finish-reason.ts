import type { FinishReason } from './events';

/** What the decoder knows about a candidate when its finishReason arrives. */
export interface CandidateOutcome {
  toolCalls: number;
  /** Whether the candidate produced anything a client can see (text, image, tool call). */
  producedOutput: boolean;
}

export interface MappedFinish {
  reason: FinishReason;
  message?: string;
}

/** Reasons that mean "a filter stopped the output" (safety, recitation, blocklists, PII…). */
const CONTENT_FILTER_REASONS = new Set([
  'SAFETY',
  'RECITATION',
  'LANGUAGE',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

const TOOL_CALL_FAILURES = new Map<string, string>([
  ['MALFORMED_FUNCTION_CALL', 'The model produced a malformed function call, so the response was discarded. Retry the request; simpler tool schemas make this less likely.'],
  ['UNEXPECTED_TOOL_CALL', 'The model called a tool that was not declared or not allowed by tool_choice, so the response was discarded.'],
  ['TOO_MANY_TOOL_CALLS', 'The model made too many tool calls in one turn, so the response was discarded.'],
]);

/**
 * Maps Gemini's finishReason to a neutral finish.
 *
 * - STOP → `stop`, or `tool_calls` when the candidate produced function calls (a tool turn ends with STOP).
 * - MAX_TOKENS → `length`.
 * - safety / recitation / blocklist / PII / image-safety family and LANGUAGE → `content_filter`.
 * - MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS → `error` with an explanation.
 * - OTHER, FINISH_REASON_UNSPECIFIED, NO_IMAGE, IMAGE_OTHER and any value unknown today: treated
 *   as a normal end when the candidate produced output (`stop` / `tool_calls`), but as an `error`
 *   when it produced nothing, so a client is never handed an empty "successful" answer
 *   (Gemini CLI makes the same distinction and retries those).
 */
export function mapFinishReason(rawReason: string, outcome: CandidateOutcome, finishMessage?: string): MappedFinish {
  const normalEnd: FinishReason = outcome.toolCalls > 0 ? 'tool_calls' : 'stop';
  if (rawReason === 'STOP') return { reason: normalEnd };
  if (rawReason === 'MAX_TOKENS') return { reason: 'length' };
  if (CONTENT_FILTER_REASONS.has(rawReason)) {
    return { reason: 'content_filter', message: finishMessage || `The response was stopped by the content filter (${rawReason}).` };
  }
  const toolFailure = TOOL_CALL_FAILURES.get(rawReason);
  if (toolFailure) return { reason: 'error', message: finishMessage ? `${toolFailure} Detail: ${finishMessage}` : toolFailure };
  if (outcome.producedOutput) return { reason: normalEnd };
  return {
    reason: 'error',
    message: finishMessage || `The model stopped without producing any output (${rawReason}). Retry the request.`,
  };
}
