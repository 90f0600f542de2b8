import type { GenerateContentResponse } from '../gemini/types';
import { streamFailureOf, type StreamEvent, type StreamFailure, type UsageEvent } from './events';
import type { GeminiStreamDecoder } from './gemini-stream-decoder';

/**
 * One piece of a streamed answer, before framing. The HTTP layer frames it: as an SSE event
 * (`event:` line when `event` is set, then `data:` — a string verbatim, anything else as JSON), or
 * as one element of a JSON array. `comment` frames are SSE comments (skipped in a JSON array);
 * `raw` frames are written as they are, in a write of their own (SSE only).
 */
export type WireFrame =
  | { kind: 'data'; data: unknown; event?: string }
  | { kind: 'comment'; text: string }
  | { kind: 'raw'; text: string };

/** What ends a stream that already sent its headers: the dialect's error, told by the HTTP layer. */
export interface StreamErrorInfo {
  /** HTTP status the error would have had before the headers went out. */
  status: number;
  message: string;
  /** Dialect-neutral code (`upstream_truncated`, `rate_limit_exceeded`, `server_shutting_down`…). */
  code: string;
  /** OpenAI-style type (`api_error`, `rate_limit_error`…). */
  openaiType: string;
  /** Google status (`UNAVAILABLE`, `RESOURCE_EXHAUSTED`…). */
  googleStatus: string;
  /** How the upstream classified a Google error (`capacity`, `rate-limited`…), when it was one. */
  errorClass?: string;
}

/**
 * A client dialect's stream encoder: neutral events (and, for pass-through, the raw chunk) in,
 * frames out. One per response; ids and time are injected by its factory.
 */
export interface StreamEncoder {
  /** Frames for one upstream chunk; `events` are that chunk's neutral events, failures already removed. */
  encode(chunk: GenerateContentResponse, events: readonly StreamEvent[]): WireFrame[];
  /** Frames after the last chunk: the terminal events (synthesized finishes, usage), then closing frames. */
  end(events: readonly StreamEvent[]): WireFrame[];
  /** Frames that end a stream that failed after its headers went out. */
  fail(error: StreamErrorInfo): WireFrame[];
  /** A frame to send while the stream is silent (keep-alive), if the dialect has one. */
  readonly heartbeat?: WireFrame;
  /**
   * Whether a finish the model reported as a failure (MALFORMED_FUNCTION_CALL, an empty OTHER…)
   * ends the stream as an error. True for translated dialects; a pass-through encoder hands Google's
   * own finishReason to the client instead.
   */
  readonly modelFailuresAreErrors: boolean;
}

/** The result of feeding one chunk (or the end) through the transform. */
export interface StreamStep {
  frames: WireFrame[];
  /** Set when the stream must end with an error now (after `frames`). */
  failure?: StreamFailure;
}

export interface StreamTransform {
  push(chunk: GenerateContentResponse): StreamStep;
  end(): StreamStep;
  /** The response's usage, once Google reported it. */
  readonly usage: UsageEvent | undefined;
}

/**
 * Code Assist chunks → neutral events → a dialect's frames. The rules every surface shares live
 * here once: a failure event (truncation, an in-band error, a failed finish) ends the stream as an
 * error; usage is kept for the caller; nothing after a failure is encoded.
 */
export function createStreamTransform(options: { decoder: GeminiStreamDecoder; encoder: StreamEncoder }): StreamTransform {
  const { decoder, encoder } = options;
  let usage: UsageEvent | undefined;
  let failed = false;

  function split(events: readonly StreamEvent[]): { kept: StreamEvent[]; failure?: StreamFailure } {
    const kept: StreamEvent[] = [];
    for (const event of events) {
      if (event.type === 'usage') usage = event;
      const failure = streamFailureOf(event);
      if (failure && (event.type === 'error' || encoder.modelFailuresAreErrors)) return { kept, failure };
      kept.push(event);
    }
    return { kept };
  }

  return {
    push(chunk) {
      if (failed) return { frames: [] };
      const { kept, failure } = split(decoder.decode(chunk));
      failed = failure !== undefined;
      // A chunk whose only content is a failure is not passed through: the error frame says it.
      const frames = failure && kept.length === 0 ? [] : encoder.encode(chunk, kept);
      return failure ? { frames, failure } : { frames };
    },
    end() {
      if (failed) return { frames: [] };
      const { kept, failure } = split(decoder.end());
      failed = failure !== undefined;
      if (failure) return { frames: [], failure };
      return { frames: encoder.end(kept) };
    },
    get usage() {
      return usage;
    },
  };
}
