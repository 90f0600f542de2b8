import type { StreamEncoder } from '../stream/stream-transform';

/**
 * The Gemini-native dialect: each unwrapped chunk goes to the client as Google sent it, including
 * Google's own finishReason (a MALFORMED_FUNCTION_CALL is the client's to see, not an error of ours).
 * After a failure the error is written the way @google/genai reads it: 2.x raises on a `data:` event
 * holding `{"error":…}`, 1.x only on a network read that is a bare `{"error":…}` object, so both are
 * sent, the bare one in a write of its own. No heartbeats: @google/genai's parser accepts only
 * single-line `data:` events.
 */
export function createGeminiPassThroughEncoder(): StreamEncoder {
  return {
    encode: (chunk) => [{ kind: 'data', data: chunk }],
    end: () => [],
    fail: (error) => {
      const body = { error: { code: error.status, message: error.message, status: error.googleStatus } };
      return [{ kind: 'data', data: body }, { kind: 'raw', text: JSON.stringify(body) }];
    },
    modelFailuresAreErrors: false,
  };
}
