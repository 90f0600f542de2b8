import type { StreamEvent } from '../stream/events';
import type { ResponsesRequest } from './request-schema';
import { createResponsesStreamEncoder, type ResponsesEncoderOptions } from './stream-encoder';
import type { ResponseObject, ResponseSettings } from './types';

/**
 * Events of a whole answer → one Response (non-streamed). Runs the stream encoder and keeps its
 * final Response, so a streamed and a non-streamed answer never disagree. Failures are not
 * represented: the pipeline turns them into an error first.
 */
export function aggregateResponse(options: ResponsesEncoderOptions, events: readonly StreamEvent[]): ResponseObject {
  const encoder = createResponsesStreamEncoder(options);
  encoder.end(events);
  return encoder.response();
}

/** The request settings OpenAI echoes on the Response object. */
export function responseSettingsOf(request: ResponsesRequest): ResponseSettings {
  const format = request.text?.format ?? { type: 'text' };
  return {
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    store: request.store ?? true,
    temperature: request.temperature ?? null,
    text: { format: { ...format } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: request.top_p ?? null,
    metadata: request.metadata ?? {},
  };
}
