import { startEmulator, type GoogleEmulator } from '../../support/emulator';
import { envelope, parseStrictSse, rpc, waitFor } from './helpers';

const PROJECT = 'proj-time';

describe('emulator timing, concurrency and shutdown', () => {
  let emulator: GoogleEmulator;
  let token: string;

  async function start(options: Parameters<typeof startEmulator>[0] = {}): Promise<void> {
    emulator = await startEmulator(options);
    emulator.addAccount({ refreshToken: 'rt-time', projectId: PROJECT });
    token = emulator.issueAccessToken('rt-time');
  }
  afterEach(() => emulator.close());

  it('tracks inFlight and maxInFlight across concurrent slow calls', async () => {
    await start({ latencyMs: 300 });
    const calls = Array.from({ length: 5 }, (_, index) => rpc(emulator, token, 'generateContent', envelope(PROJECT, `call ${index}`)));
    await waitFor(() => emulator.counters().inFlight === 5);
    const responses = await Promise.all(calls);
    await Promise.all(responses.map((response) => response.text()));
    await waitFor(() => emulator.counters().inFlight === 0);
    expect(emulator.counters()).toMatchObject({ maxInFlight: 5, generateCalls: 5 });
    emulator.resetCounters();
    expect(emulator.counters()).toMatchObject({ maxInFlight: 0, generateCalls: 0 });
    expect(emulator.requests).toHaveLength(0);
  });

  it('delays the first byte and spaces stream events by chunkDelayMs', async () => {
    await start();
    emulator.enqueue({ kind: 'text', chunks: ['a', 'b', 'c'], firstByteDelayMs: 100, chunkDelayMs: 60 });
    const started = Date.now();
    const response = await rpc(emulator, token, 'streamGenerateContent', envelope(PROJECT, 'x'), '?alt=sse');
    const headersAfter = Date.now() - started;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const arrivals: number[] = [];
    let raw = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      raw += decoder.decode(value, { stream: true });
      arrivals.push(Date.now() - started);
    }
    expect(headersAfter).toBeGreaterThanOrEqual(90);
    expect(parseStrictSse(raw).events).toHaveLength(3);
    expect(arrivals[arrivals.length - 1]! - headersAfter).toBeGreaterThanOrEqual(100);
  });

  it('close() ends delayed calls and brings inFlight back to 0', async () => {
    await start();
    emulator.enqueue({ kind: 'text', chunks: ['slow'], firstByteDelayMs: 5_000 });
    const pending = rpc(emulator, token, 'generateContent', envelope(PROJECT, 'x')).catch(() => undefined);
    await waitFor(() => emulator.counters().inFlight === 1);
    await emulator.close();
    expect(emulator.counters().inFlight).toBe(0);
    await pending;
  });

  it('hangs a call until close(), which ends it without leaving handles', async () => {
    await start();
    emulator.enqueue({ kind: 'hang' });
    const hung = fetch(`${emulator.url}/v1internal:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(envelope(PROJECT, 'x')),
    }).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(() => emulator.counters().inFlight === 1);
    expect(emulator.requests[0]).toMatchObject({ method: 'streamGenerateContent', status: 0 });
    const closedAt = Date.now();
    await emulator.close();
    expect(Date.now() - closedAt).toBeLessThan(1_000);
    expect(await hung).toBe('failed');
  });

  it('lets the client abort a hung call', async () => {
    await start();
    emulator.setDefaultBehaviour({ kind: 'hang' });
    const controller = new AbortController();
    const hung = rpc(emulator, token, 'generateContent', envelope(PROJECT, 'x')).catch(() => 'failed');
    const aborted = fetch(`${emulator.url}/v1internal:generateContent`, {
      method: 'POST',
      signal: controller.signal,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(envelope(PROJECT, 'y')),
    }).catch((error: Error) => error.name);
    await waitFor(() => emulator.counters().inFlight === 2);
    controller.abort();
    expect(await aborted).toBe('AbortError');
    await waitFor(() => emulator.counters().inFlight === 1);
    await emulator.close();
    expect(await hung).toBe('failed');
  });
});
