import type { FastifyReply } from 'fastify';
import { ServiceUnavailableError, type GatewayError } from '../errors/gateway-error';
import { toGatewayError } from '../errors/dialects';
import { watchSendStall } from '../http/send-stall';
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
   * Starts the upstream call; resolves once Google accepted it. Each batch of frames is written in
   * one write. Throwing before it resolves answers with an error status (through the global
   * filter); throwing later ends the stream with `failFrames`.
   */
  open(signal: AbortSignal): Promise<AsyncIterable<ResponseFrame[]>>;
  /** The dialect's final frames for an error after the headers went out. */
  failFrames(error: GatewayError): ResponseFrame[];
  /** Told about every error that ended a started stream (for logs), never about a client leaving. */
  onError?(error: GatewayError): void;
}

const SHUTTING_DOWN = 'The gateway is shutting down; retry the request.';

/**
 * The one streaming responder every surface uses. Status and headers are committed only once
 * Google accepted the call, so any error before that (limits, Google's 4xx/429/5xx, a shutdown)
 * is thrown to the global exception filter and answered with its real status in the caller's
 * dialect. After that, an error becomes the dialect's last frames. Owns hijacking, framing (SSE or
 * JSON array), backpressure (one awaited write per batch), heartbeats, client abort and terminate.
 */
export async function respondWithStream(plan: StreamPlan): Promise<void> {
  const { writer } = plan;
  let source: AsyncIterable<ResponseFrame[]>;
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
  plan.reply.hijack();
  const framer = new Framer(plan.framing, plan.newline ?? '\n');
  writer.onTerminate(() => {
    writer.failed();
    const error = new ServiceUnavailableError(SHUTTING_DOWN, { code: 'server_shutting_down', retryAfterSeconds: 1 });
    const { text, raw } = framer.frames(plan.failFrames(error));
    writer.end(text + raw.join('') + framer.close());
  });
  writer.start(200, plan.headers);
  const stall = watchSendStall(plan.reply.raw, plan.sendStallMs ?? 0);
  const heartbeat = startHeartbeat(writer, framer, plan.heartbeat);
  try {
    for await (const frames of source) {
      await write(writer, framer.frames(frames));
      if (writer.clientGone) return;
    }
    writer.end(framer.close());
  } catch (error) {
    if (writer.clientGone) return;
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
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    stall.stop();
    // A hijacked response must always be ended, or server shutdown waits on it forever.
    if (writer.clientGone) writer.end();
  }
}

async function write(writer: StreamResponseWriter, framed: { text: string; raw: string[] }): Promise<void> {
  if (framed.text !== '') await writer.write(framed.text);
  for (const piece of framed.raw) await writer.write(piece);
}

function startHeartbeat(writer: StreamResponseWriter, framer: Framer, heartbeat: StreamPlan['heartbeat']): NodeJS.Timeout | undefined {
  if (!heartbeat || heartbeat.intervalMs <= 0 || framer.framing !== 'sse') return undefined;
  const { text } = framer.frames([heartbeat.frame]);
  const timer = setInterval(() => {
    if (writer.ended || writer.clientGone) return;
    if (writer.idleMs >= heartbeat.intervalMs) void writer.write(text);
  }, Math.max(50, Math.floor(heartbeat.intervalMs / 2)));
  timer.unref();
  return timer;
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
