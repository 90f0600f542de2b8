import type { OpenAIErrorBody } from './types';

/** A StreamFailure (stream/events.ts) fits as is. */
export interface OpenAIErrorInput {
  message: string;
  /** OpenAI error type; `server_error` unless told otherwise. */
  type?: string;
  param?: string | null;
  code?: string | null;
}

/**
 * OpenAI's error body. After SSE headers are sent, the HTTP layer writes it as
 * `data: {"error":{message,type,param,code}}` and ends the stream.
 */
export function encodeOpenAIStreamError(input: OpenAIErrorInput): OpenAIErrorBody {
  return {
    error: {
      message: input.message,
      type: input.type ?? 'server_error',
      param: input.param ?? null,
      code: input.code ?? null,
    },
  };
}
