/** Shared helpers for the emulator's own tests (plain fetch over loopback). */
import { GEMINI_CLI_CLIENT_ID, GEMINI_CLI_CLIENT_SECRET, type GoogleEmulator } from '../../support/emulator';

export const REFRESH_TOKEN = 'rt-alice';

export async function refresh(emulator: GoogleEmulator, refreshToken = REFRESH_TOKEN, clientId = GEMINI_CLI_CLIENT_ID): Promise<Response> {
  return fetch(emulator.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body: new URLSearchParams({ refresh_token: refreshToken, client_id: clientId, client_secret: GEMINI_CLI_CLIENT_SECRET, grant_type: 'refresh_token' }),
  });
}

export async function accessToken(emulator: GoogleEmulator, refreshToken = REFRESH_TOKEN): Promise<string> {
  const response = await refresh(emulator, refreshToken);
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

export function rpc(emulator: GoogleEmulator, token: string | undefined, method: string, body: unknown, query = ''): Promise<Response> {
  return fetch(`${emulator.url}/v1internal:${method}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

export function envelope(project: string, text: string, extra: Record<string, unknown> = {}, model = 'gemini-2.5-pro'): Record<string, unknown> {
  return { model, project, user_prompt_id: 'prompt-1', request: { contents: [{ role: 'user', parts: [{ text }] }], session_id: 's-1', ...extra } };
}

export interface ParsedSse {
  raw: string;
  events: Array<{ response: Record<string, any>; traceId: string }>;
}

/**
 * A deliberately strict SSE reader: the body must be a sequence of `data: <json>\r\n\r\n` events,
 * each a single line of compact JSON, nothing else (this is what @google/genai 1.30 requires).
 */
export function parseStrictSse(raw: string): ParsedSse {
  if (raw !== '' && !raw.endsWith('\r\n\r\n')) throw new Error(`stream does not end with a blank line: ${JSON.stringify(raw.slice(-40))}`);
  const blocks = raw === '' ? [] : raw.slice(0, -4).split('\r\n\r\n');
  const events = blocks.map((block) => {
    if (block.includes('\n') || block.includes('\r')) throw new Error(`event spans several lines: ${JSON.stringify(block)}`);
    if (!block.startsWith('data: ')) throw new Error(`event does not start with "data: ": ${JSON.stringify(block)}`);
    const json = block.slice('data: '.length);
    if (json !== JSON.stringify(JSON.parse(json))) throw new Error('event JSON is not compact');
    return JSON.parse(json) as { response: Record<string, any>; traceId: string };
  });
  return { raw, events };
}

export async function readSse(response: Response): Promise<ParsedSse> {
  return parseStrictSse(await response.text());
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 5 ms until it holds (or fails the test after `timeoutMs`). */
export async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await sleep(5);
  }
}
