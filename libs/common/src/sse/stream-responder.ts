import type { FastifyReply } from 'fastify';
import { ServiceUnavailableError, type GatewayError } from '../errors/gateway-error';
import { toGatewayError } from '../errors/dialects';
import { watchSendStall } from '../http/send-stall';
import { tickEvery } from '../http/shared-ticker';
import type { StreamResponseWriter } from './response-writer';

/** One piece of a streamed answer (the same shape as @app/translation's WireFrame). */
export type ResponseFrame =
  | { kind: 'data'; data: unknown; event?: string }
  | { kind: 'comment'; text: string }
  | { kind: 'raw'; text: string };

export type StreamFraming = 'sse' | 'json-array';

export interface StreamPlan {
  reply: FastifyReply;
  /** Opened (and counted) by the caller; aborted when the client leaves or the stream is terminated. */
  writer: StreamResponseWriter;
  framing: StreamFraming;
  headers: Record<string, string>;
  /** SSE line ending: `\n` (OpenAI, Anthropic) or `\r\n` (Google's own). */
  newline?: '\n' | '\r\n';
  /**
   * A client that stops reading for this long is dropped (0 or absent: never), so its upstream call
   * and limiter slot are freed instead of held by a socket nobody drains.
   */
  sendStallMs?: number;
  /** Sent while nothing was written for `intervalMs` (0 or absent: never). */
  heartbeat?: { frame: ResponseFrame; intervalMs: number };
  /**
   * Starts the upstream call; resolves once Google accepted it, with the source of the answer's
   * frames. Throwing before it resolves answers with an error status (through the global filter);
   * an error the source reports later ends the stream with `failFrames`.
   */
  open(signal: AbortSignal): Promise<FrameSource>;
  /** The dialect's final frames for an error after the headers went out. */
  failFrames(error: GatewayError): ResponseFrame[];
  /** Told about every error that ended a started stream (for logs), never about a client leaving. */
  onError?(error: GatewayError): void;
}

/** Where a FrameSource pushes. After `end` or `error` (exactly one, once) nothing more is called. */
export interface FrameSink {
  /** One batch of frames, written in one write. */
  frames(frames: ResponseFrame[]): void;
  end(): void;
  error(error: unknown): void;
}

/**
 * A streamed answer that pushes its frames as the upstream chunks arrive (from the socket's
 * callback, synchronously), with backpressure by pause/resume. Pushing instead of pulling keeps
 * nothing pending per stream between two chunks: no suspended generator, no promise.
 */
export interface FrameSource {
  start(sink: FrameSink): void;
  pause(): void;
  resume(): void;
  /** The client left or the stream was terminated: stop, free the upstream call, never call the sink again. */
  cancel(): void;
}

const SHUTTING_DOWN = 'The gateway is shutting down; retry the request.';

/**
 * The one streaming responder every surface uses. Status and headers are committed only once
 * Google accepted the call, so any error before that (limits, Google's 4xx/429/5xx, a shutdown)
 * is thrown to the global exception filter and answered with its real status in the caller's
 * dialect. After that, an error becomes the dialect's last frames. Owns hijacking, framing (SSE or
 * JSON array), backpressure (the source pauses while the client's socket is full), heartbeats,
 * client abort and terminate.
 */
export async function respondWithStream(plan: StreamPlan): Promise<void> {
  const { writer } = plan;
  let source: FrameSource;
  try {
    source = await plan.open(writer.signal);
  } catch (error) {
    writer.failed();
    if (writer.terminated) throw new ServiceUnavailableError(SHUTTING_DOWN, { code: 'server_shutting_down', retryAfterSeconds: 1 });
    if (writer.clientGone) {
      writer.end();
      return;
    }
    throw error;
  }
  const framer = new Framer(plan.framing, plan.newline ?? '\n');
  try {
    plan.reply.hijack();
    writer.onTerminate(() => {
      writer.failed();
      const error = new ServiceUnavailableError(SHUTTING_DOWN, { code: 'server_shutting_down', retryAfterSeconds: 1 });
      const { text, raw } = framer.frames(plan.failFrames(error));
      writer.end(text + raw.join('') + framer.close());
    });
    writer.start(200, plan.headers);
  } catch (error) {
    // Google's call is open and its socket, account and slot are held: free them before giving up.
    source.cancel();
    writer.failed();
    plan.reply.raw.destroy();
    throw error;
  }
  const stall = watchSendStall(plan.reply.raw, plan.sendStallMs ?? 0);
  const heartbeat = startHeartbeat(writer, framer, plan.heartbeat);
  try {
    await pipeFrames(plan, source, framer);
  } finally {
    heartbeat?.();
    stall.stop();
    // A hijacked response must always be ended, or server shutdown waits on it forever.
    if (writer.clientGone) writer.end();
  }
}

/** Writes what the source pushes, pausing it while the client's socket is full; resolves when the stream is over. */
function pipeFrames(plan: StreamPlan, source: FrameSource, framer: Framer): Promise<void> {
  const { writer } = plan;
  return new Promise<void>((resolve) => {
    let over = false;
    let waitingForDrain = false;
    const finish = (): void => {
      if (over) return;
      over = true;
      writer.signal.removeEventListener('abort', onGone);
      resolve();
    };
    // The client left (or a shutdown terminated the stream): the upstream call is cancelled.
    const onGone = (): void => {
      source.cancel();
      finish();
    };
    const resume = (): void => {
      waitingForDrain = false;
      if (!over) source.resume();
    };
    if (writer.clientGone) return onGone();
    writer.signal.addEventListener('abort', onGone, { once: true });
    const sink: FrameSink = {
      frames(frames) {
        if (over) return;
        const { text, raw } = framer.frames(frames);
        let more = text === '' || writer.writeNow(text);
        for (const piece of raw) more = writer.writeNow(piece) && more;
        if (!more && !waitingForDrain) {
          waitingForDrain = true;
          source.pause();
          writer.onceDrained(resume);
        }
      },
      end() {
        if (over) return;
        writer.end(framer.close());
        finish();
      },
      error(error) {
        if (over) return;
        if (writer.clientGone) return finish();
        void writeFailure(plan, framer, error).then(finish, finish);
      },
    };
    try {
      source.start(sink);
    } catch (error) {
      sink.error(error);
    }
  });
}

/** The dialect's final frames for an error after the headers went out, then the end of the body. */
async function writeFailure(plan: StreamPlan, framer: Framer, error: unknown): Promise<void> {
  const { writer } = plan;
  const failure = toGatewayError(error);
  plan.onError?.(failure);
  writer.failed();
  const { text, raw } = framer.frames(plan.failFrames(failure));
  await writer.write(text);
  for (const piece of raw) {
    // A write of its own, after the previous one left (see the Gemini pass-through encoder).
    await new Promise<void>((resolve) => setImmediate(resolve));
    await writer.write(piece);
  }
  writer.end(framer.close());
}

/** Writes the heartbeat frame when nothing was written for its interval; one shared timer per interval. */
function startHeartbeat(writer: StreamResponseWriter, framer: Framer, heartbeat: StreamPlan['heartbeat']): (() => void) | undefined {
  if (!heartbeat || heartbeat.intervalMs <= 0 || framer.framing !== 'sse') return undefined;
  const { text } = framer.frames([heartbeat.frame]);
  const { intervalMs } = heartbeat;
  return tickEvery(Math.max(50, Math.floor(intervalMs / 2)), {
    tick() {
      if (writer.ended || writer.clientGone) return;
      if (writer.idleMs >= intervalMs) void writer.write(text);
    },
  });
}

/** Turns frames into bytes: SSE events, or the elements of one JSON array. */
class Framer {
  private elements = 0;

  constructor(readonly framing: StreamFraming, private readonly newline: string) {}

  frames(frames: readonly ResponseFrame[]): { text: string; raw: string[] } {
    let text = '';
    const raw: string[] = [];
    for (const frame of frames) {
      if (frame.kind === 'raw') {
        if (this.framing === 'sse') raw.push(frame.text);
        continue;
      }
      if (frame.kind === 'comment') {
        if (this.framing === 'sse') text += `: ${frame.text}${this.newline}${this.newline}`;
        continue;
      }
      const data = typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data);
      if (this.framing === 'json-array') {
        text += `${this.elements === 0 ? '[' : `,${this.newline}`}${data}`;
        this.elements += 1;
        continue;
      }
      const event = frame.event ? `event: ${frame.event}${this.newline}` : '';
      text += `${event}data: ${data}${this.newline}${this.newline}`;
    }
    return { text, raw };
  }

  /** What closes the body: `]` for a JSON array (`[]` when it stayed empty), nothing for SSE. */
  close(): string {
    if (this.framing !== 'json-array') return '';
    return this.elements === 0 ? '[]' : ']';
  }
}
