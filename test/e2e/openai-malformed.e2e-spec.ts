import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';
import { prng } from '../support/prng';


function malformedBody(random: () => number): unknown {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  // eslint-disable-next-line no-loss-of-precision -- a number JSON cannot hold is part of the hostile input
  const junk = (): unknown => pick<unknown>([null, 42, -1, 'text', '', true, [], {}, [null], { role: 7 }, 'x'.repeat(5000), { nested: { deeper: [1, { a: null }] } }, 1e309, NaN]);
  const message = (): unknown => pick<unknown>([
    { role: pick(['user', 'assistant', 'system', 'tool', 'robot', '', null, 5]), content: junk() },
    { role: 'user' },
    { content: 'no role' },
    { role: 'tool', content: 'orphan result', tool_call_id: 'call_missing' },
    { role: 'assistant', content: null, tool_calls: pick<unknown>([junk(), [{ id: 1, type: 'function', function: { name: 5 } }], [{ type: 'function' }]]) },
    { role: 'user', content: [{ type: pick(['text', 'image_url', 'input_audio', 'file', 'video', 7]), text: junk(), image_url: junk() }] },
    { role: 'user', content: [{ type: 'image_url', image_url: { url: pick(['data:image/png;base64,@@@', 'data:,', 'ftp://x', 'javascript:alert(1)', '']) } }] },
    junk(),
  ]);
  const shapes: Array<() => unknown> = [
    () => junk(),
    () => ({ model: junk(), messages: [{ role: 'user', content: 'hi' }] }),
    () => ({ model: 'gemini-2.5-flash', messages: junk() }),
    () => ({ model: 'gemini-2.5-flash', messages: [] }),
    () => ({ model: 'gemini-2.5-flash', messages: Array.from({ length: 1 + Math.floor(random() * 4) }, message) }),
    () => ({ model: 'gemini-2.5-flash', messages: Array.from({ length: 20_000 }, () => ({ role: 'user', content: 7 })) }),
    () => ({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], [pick(['temperature', 'top_p', 'n', 'max_tokens', 'max_completion_tokens', 'stop', 'seed', 'presence_penalty', 'response_format', 'reasoning_effort', 'tools', 'tool_choice', 'stream_options', 'stream', 'functions', 'function_call'])]: pick<unknown>([junk(), -5, 99, 'high', [{ type: 'function' }], { type: 'json_schema' }, { type: 'function', function: { name: 'missing' } }]) }),
  ];
  return pick(shapes)();
}

describe('1,000 malformed chat bodies', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-fuzz' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-fuzz'), env: { LOG_LEVEL: 'warn' } });
  });

  afterAll(async () => {
    await gateway.close();
    await emulator.close();
  });

  it('every answer is a 4xx in OpenAI\'s shape or a success, never a 500, and the process stays up', async () => {
    const random = prng(20261126);
    const statuses = new Map<number, number>();
    for (let index = 0; index < 1000; index += 1) {
      const body = malformedBody(random);
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CLIENT_KEY}` },
        body: JSON.stringify(body) ?? 'null',
      });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500) throw new Error(`body #${index} got ${response.status}: ${text.slice(0, 300)}`);
      if (response.status >= 400) {
        const json = JSON.parse(text) as { error: Record<string, unknown> };
        expect(Object.keys(json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
        expect(typeof json.error.message).toBe('string');
      }
    }
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(800);
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
  }, 120_000);
});

describe('remote image fetching when switched on', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  /** The same settings without the test allow-list, as production runs. */
  let guarded: GatewayHarness;
  let images: Server;
  let imagesUrl: string;
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  let hits = 0;

  beforeAll(async () => {
    images = createServer((request, response) => {
      hits += 1;
      if (request.url === '/cat.png') response.writeHead(200, { 'content-type': 'image/png' }).end(png);
      else if (request.url === '/big.png') response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(4096));
      else if (request.url === '/redirect') response.writeHead(302, { location: '/cat.png?redirected' }).end();
      else if (request.url === '/cat.png?redirected') response.writeHead(200, { 'content-type': 'image/png' }).end(png);
      else response.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
    });
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-images' });
    // The image server is on loopback, which the outbound guard refuses: the test-only allow-list
    // lets exactly this host through (and only this spelling of it).
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-images'), env: { IMAGE_FETCH_ENABLED: 'true', IMAGE_FETCH_MAX_BYTES: '1024', IMAGE_FETCH_ALLOW_HOSTS: '127.0.0.1' } });
    guarded = await startGateway({ emulator, credentials: credentialFor('rt-images'), env: { IMAGE_FETCH_ENABLED: 'true', IMAGE_FETCH_MAX_BYTES: '1024' } });
  });

  afterAll(async () => {
    await gateway.close();
    await guarded?.close();
    await emulator.close();
    await new Promise<void>((resolve) => images.close(() => resolve()));
  });

  const ask = (url: string, via: GatewayHarness = gateway) => fetch(`${via.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CLIENT_KEY}` },
    body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] }),
  });

  it('fetches the image and sends it inline', async () => {
    expect((await ask(`${imagesUrl}/cat.png`)).status).toBe(200);
    const envelope = emulator.requests.filter((record) => record.method === 'generateContent').pop()?.body as { request: { contents: Array<{ parts: unknown[] }> } };
    expect(envelope.request.contents[0].parts).toContainEqual({ inlineData: { mimeType: 'image/png', data: png.toString('base64') } });
  });

  it('refuses bodies that are not images or are too large, with a 400 that does not say what answered', async () => {
    const messages = new Set<string>();
    for (const path of ['/page.html', '/big.png']) {
      const response = await ask(`${imagesUrl}${path}`);
      expect(response.status).toBe(400);
      const error = ((await response.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('image_fetch_failed');
      expect(error.message).not.toMatch(/text\/html|4096|127\.0\.0\.1/);
      messages.add(error.message);
    }
    expect(messages.size).toBe(1);
  });

  it.each(['127.1', '0x7f000001', '2130706433', '0177.0.0.1', '[::1]', '[::ffff:127.0.0.1]', 'localhost', 'LOCALHOST.', '0.0.0.0'])(
    'refuses loopback spelled %s (not on the allow-list) without connecting', async (host) => {
      const port = new URL(imagesUrl).port;
      const before = hits;
      const response = await ask(`http://${host}:${port}/cat.png`, guarded);
      expect(response.status).toBe(400);
      const error = ((await response.json()) as { error: { code: string; message: string } }).error;
      expect(error).toMatchObject({ code: 'image_fetch_failed', message: 'Could not fetch image 1: the URL must be a public http(s) address.' });
      expect(hits).toBe(before);
    },
  );

  it('does not follow redirects', async () => {
    const before = hits;
    const response = await ask(`${imagesUrl}/redirect`);
    expect(response.status).toBe(400);
    expect(hits).toBe(before + 1);
  });

  it('fetches at most IMAGE_FETCH_MAX_PER_REQUEST images per request', async () => {
    const before = hits;
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CLIENT_KEY}` },
      body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: Array.from({ length: 40 }, (_, index) => ({ type: 'image_url', image_url: { url: `${imagesUrl}/cat.png?n=${index}` } })) }] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('too_many_images');
    expect(hits).toBe(before);
  });
});
