import { describeNetworkError, networkErrorCode, parseJsonObject } from '../net';

export interface GatewayAnswer {
  status: number;
  headers: Headers;
  text: string;
  json?: Record<string, unknown>;
  elapsedMs: number;
}

export type GatewayProbe =
  | { ok: true; answer: GatewayAnswer }
  | { ok: false; code?: string; message: string };

export type AuthMode = 'none' | 'bearer' | 'goog-api-key';

export interface ClockSample {
  /** The gateway's Date header. */
  date: string;
  /** Local time half-way through the request (epoch ms). */
  localMs: number;
}

/** Plain fetch to the gateway (no proxy: doctor talks to it directly), with a timeout and the first Date header kept. */
export class GatewayClient {
  clock?: ClockSample;

  constructor(private readonly baseUrl: string, private readonly key: string | undefined, private readonly timeoutMs: number) {}

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  async request(path: string, options: { method?: 'GET' | 'POST'; body?: unknown; auth?: AuthMode; url?: string; timeoutMs?: number } = {}): Promise<GatewayProbe> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (this.key && options.auth === 'bearer') headers.authorization = `Bearer ${this.key}`;
    if (this.key && options.auth === 'goog-api-key') headers['x-goog-api-key'] = this.key;
    const started = Date.now();
    try {
      const response = await fetch(options.url ?? this.url(path), {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs),
      });
      const text = await response.text();
      const finished = Date.now();
      const date = response.headers.get('date');
      if (date && !this.clock && options.url === undefined) this.clock = { date, localMs: Math.round((started + finished) / 2) };
      return { ok: true, answer: { status: response.status, headers: response.headers, text, json: parseJsonObject(text), elapsedMs: finished - started } };
    } catch (error) {
      const code = networkErrorCode(error);
      return { ok: false, code, message: code === 'TIMEOUT' ? `no answer within ${options.timeoutMs ?? this.timeoutMs} ms` : describeNetworkError(error) };
    }
  }
}

/**
 * The stable parts of an error in either dialect: the gateway's `code` (OpenAI `{error:{message,type,code}}`),
 * Google's `status` and its ErrorInfo `reason` (`{error:{code,message,status,details}}`). The message is for people only.
 */
export function errorOf(answer: GatewayAnswer): { message?: string; code?: string; status?: string; reason?: string } {
  // Stream calls wrap Google errors in an array: [{"error":{…}}].
  const parsed = answer.json ?? safeParse(answer.text);
  const body = (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown> | undefined;
  const error = body?.error;
  if (error && typeof error === 'object') {
    const record = error as Record<string, unknown>;
    return {
      message: typeof record.message === 'string' ? record.message : undefined,
      code: typeof record.code === 'string' ? record.code : undefined,
      status: typeof record.status === 'string' ? record.status : undefined,
      reason: errorInfoReason(record.details),
    };
  }
  if (typeof body?.detail === 'string') return { message: body.detail };
  return { message: answer.text.trim().slice(0, 200) || undefined };
}

function errorInfoReason(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  const info = details.find((entry): entry is { reason?: unknown } => typeof entry === 'object' && entry !== null && String((entry as Record<string, unknown>)['@type']).endsWith('google.rpc.ErrorInfo'));
  return typeof info?.reason === 'string' ? info.reason : undefined;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function short(text: string | undefined, max = 220): string {
  if (!text) return '';
  const single = text.replace(/\s+/g, ' ').trim();
  return single.length > max ? `${single.slice(0, max - 1)}…` : single;
}
