import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor } from '../support/gateway-harness';
import { spawnGateway, type GatewayProcess } from '../support/gateway-process';
import { memoryOf, openRaw, postBody } from '../support/raw-http';

/**
 * Issue 20's memory and slow-body findings, against the built gateway as production runs it.
 * Needs `npm run build` first (npm test does).
 */
const AUTH = { authorization: `Bearer ${TEST_CLIENT_KEY}` };

function openaiFlood(messages: number): string {
  return `{"model":"gemini-2.5-flash","messages":[${new Array(messages).fill('{"role":"user","content":"hi"}').join(',')}]}`;
}

function geminiFlood(contents: number): string {
  return `{"contents":[${new Array(contents).fill('{"role":"user","parts":[{"text":"hi"}]}').join(',')}]}`;
}

function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

describe('a gateway limited to a 128 MB heap', () => {
  let gateway: GatewayProcess;
  let emulator: GoogleEmulator;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-heap' });
    gateway = await spawnGateway({
      LOG_LEVEL: 'warn', CODE_ASSIST_ENDPOINT: emulator.url, GOOGLE_OAUTH_TOKEN_URL: emulator.tokenUrl, GEMINI_CREDENTIALS: JSON.stringify(credentialFor('rt-heap')),
    }, { nodeArgs: ['--max-old-space-size=128'], waitForReady: true });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop('SIGKILL');
    await emulator?.close();
  });

  it('survives six valid 16 MB bodies at once: each is served in turn within the body budget, or told to retry (503 + Retry-After)', async () => {
    // Google answers briefly, as it would: the emulator's default echo would double every body on the way back.
    emulator.setDefaultBehaviour({ kind: 'text', chunks: ['read it'] });
    const openai = Buffer.from(`{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"${'a'.repeat(16 * 1024 * 1024)}"}]}`);
    const gemini = Buffer.from(`{"contents":[{"role":"user","parts":[{"text":"${'a'.repeat(16 * 1024 * 1024)}"}]}]}`);
    const answers = await Promise.all([
      ...[1, 2, 3].map(() => postBody(`${gateway.url}/v1/chat/completions`, openai, AUTH, 90_000)),
      ...[1, 2, 3].map(() => postBody(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, gemini, AUTH, 90_000)),
    ]);
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    expect(statuses).toContain(200);
    const busy = answers.find((answer) => answer.status === 503);
    if (busy) expect(JSON.parse(busy.body)).toMatchObject({ error: { code: 'overloaded' } });
    expect(gateway.child.exitCode).toBeNull();
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
  }, 180_000);

  it('survives several 24 MB / 800k-message OpenAI and 11.7 MB / 300k-contents Gemini bodies at once, answering 413', async () => {
    const openai = Buffer.from(openaiFlood(800_000));
    const gemini = Buffer.from(geminiFlood(300_000));
    expect(openai.length).toBeGreaterThan(23_000_000);
    expect(gemini.length).toBeGreaterThan(11_000_000);
    const answers = await Promise.all([
      ...[1, 2, 3].map(() => postBody(`${gateway.url}/v1/chat/completions`, openai, AUTH, 90_000)),
      ...[1, 2, 3].map(() => postBody(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, gemini, AUTH, 90_000)),
    ]);
    // Each is read in turn within the body budget, and each is refused for its structure.
    expect(answers.map((answer) => answer.status)).toEqual([413, 413, 413, 413, 413, 413]);
    expect(JSON.parse(answers[0].body)).toMatchObject({ error: { code: 'too_many_values', type: 'invalid_request_error' } });
    expect(JSON.parse(answers[5].body)).toMatchObject({ error: { code: 413, status: 'INVALID_ARGUMENT' } });
    expect(gateway.child.exitCode).toBeNull();
    // Liveness answers at once (it stalled 9.9 s before); a generous bound, not a speed target.
    const started = Date.now();
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 180_000);

  it('answers more messages or contents than REQUEST_MAX_MESSAGES with a 400 in each dialect', async () => {
    const openai = await postBody(`${gateway.url}/v1/chat/completions`, openaiFlood(10_001), AUTH);
    expect(openai.status).toBe(400);
    expect(JSON.parse(openai.body)).toMatchObject({ error: { param: 'messages', code: 'array_above_max_length' } });
    const gemini = await postBody(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, geminiFlood(10_001), AUTH);
    expect(gemini.status).toBe(400);
    expect(JSON.parse(gemini.body)).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
    const manyMessages = JSON.stringify({ model: 'gemini-2.5-flash', max_tokens: 10, messages: Array.from({ length: 10_001 }, () => ({ role: 'user', content: 'x' })) });
    const anthropic = await postBody(`${gateway.url}/v1/messages`, manyMessages, AUTH);
    expect(anthropic.status).toBe(400);
    expect(JSON.parse(anthropic.body)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const manyItems = JSON.stringify({ model: 'gemini-2.5-flash', input: Array.from({ length: 10_001 }, () => ({ role: 'user', content: 'x' })) });
    const responses = await postBody(`${gateway.url}/v1/responses`, manyItems, AUTH);
    expect(responses.status).toBe(400);
    expect(JSON.parse(responses.body)).toMatchObject({ error: { param: 'input', code: 'array_above_max_length' } });
  }, 60_000);

  it('refuses JSON nested 5,000 deep with a 400 before anything recursive runs, in both dialects', async () => {
    const deepField = `{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}],"web_search_options":${nested(5_000)}}`;
    const openai = await postBody(`${gateway.url}/v1/chat/completions`, deepField, AUTH);
    expect(openai.status).toBe(400);
    expect(JSON.parse(openai.body)).toMatchObject({ error: { code: 'nesting_too_deep' } });
    const gemini = await postBody(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, `{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":${nested(5_000)}}`, AUTH);
    expect(gemini.status).toBe(400);
    expect(JSON.parse(gemini.body)).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
  }, 60_000);
});

describe('the key before the body', () => {
  let gateway: GatewayProcess;
  const sockets: Array<{ socket: { destroy(): void } }> = [];

  beforeAll(async () => {
    gateway = await spawnGateway({ LOG_LEVEL: 'warn', REQUEST_BODY_TIMEOUT_MS: '1500' });
  }, 60_000);

  afterAll(async () => {
    for (const open of sockets) open.socket.destroy();
    await gateway?.stop('SIGKILL');
  });

  it('answers 30 unauthenticated 19 MB bodies with 401 without buffering them', async () => {
    const before = memoryOf(gateway.child.pid as number).rssMb;
    const body = Buffer.alloc(19 * 1024 * 1024, 0x61);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, index) => postBody(
      index % 2 === 0 ? `${gateway.url}/v1/chat/completions` : `${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, body, {}, 60_000,
    )));
    expect(answers.every((answer) => answer.status === 401)).toBe(true);
    expect(JSON.parse(answers[0].body)).toMatchObject({ error: { code: 'invalid_api_key' } });
    expect(JSON.parse(answers[1].body)).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    // Buffered, these would be 570 MB; the bound leaves room for socket buffers and GC timing.
    expect(memoryOf(gateway.child.pid as number).peakMb - before).toBeLessThan(150);
  }, 120_000);

  it('answers never-ending unauthenticated chunked bodies with 401 and closes them', async () => {
    const opened = await Promise.all(Array.from({ length: 50 }, () => openRaw(gateway.port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n')));
    sockets.push(...opened);
    const feeders = opened.map(({ socket }) => setInterval(() => { if (socket.writable) socket.write('400\r\n' + 'a'.repeat(1024) + '\r\n'); }, 50));
    try {
      await Promise.all(opened.map(({ closed }) => Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('connection still open after 15 s')), 15_000))])));
    } finally {
      feeders.forEach(clearInterval);
    }
    expect(opened.every(({ received }) => received().startsWith('HTTP/1.1 401'))).toBe(true);
  }, 60_000);

  it('cuts a slow authenticated body after REQUEST_BODY_TIMEOUT_MS with a 408 in the caller\'s dialect', async () => {
    const slow = await openRaw(gateway.port, `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_CLIENT_KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":`);
    sockets.push(slow);
    await Promise.race([slow.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('slow body still open after 15 s')), 15_000))]);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(slow.received()).toContain('"code":"request_timeout"');
  }, 30_000);

  it('answers a malformed request line (400) and oversized headers (431) in JSON, not Node\'s plain pages', async () => {
    const bad = await openRaw(gateway.port, 'GARBAGE\r\n\r\n');
    sockets.push(bad);
    await Promise.race([bad.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('still open')), 10_000))]);
    expect(bad.received()).toMatch(/^HTTP\/1\.1 400/);
    const json = JSON.parse(bad.received().split('\r\n\r\n')[1]) as { error: { message: string } };
    expect(json.error.message).toBe('Malformed HTTP request.');
    const huge = await openRaw(gateway.port, `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    sockets.push(huge);
    await Promise.race([huge.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('still open')), 10_000))]);
    expect(huge.received()).toMatch(/^HTTP\/1\.1 431/);
    expect(JSON.parse(huge.received().split('\r\n\r\n')[1])).toMatchObject({ error: { code: 431, type: 'invalid_request_error' } });
  }, 30_000);
});
