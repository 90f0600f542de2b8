import { connect, type Socket } from 'node:net';
import { registerCleanup } from '../support/cleanup';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

/**
 * A client that stops reading a stream must not keep its limiter slot (and Google's call) for
 * everyone else: after STREAM_SEND_STALL_MS without the socket draining, the stream is dropped.
 */
describe('send-stall detection', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-stall' });
    gateway = await startGateway({
      emulator, credentials: credentialFor('rt-stall'),
      env: { UPSTREAM_MAX_CONCURRENT: '1', UPSTREAM_QUEUE_TIMEOUT_MS: '20000', STREAM_SEND_STALL_MS: '500', LOG_LEVEL: 'info' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
  });

  it('frees the slot of a stream whose client stopped reading, so the next request is served', async () => {
    const big = 'x'.repeat(512 * 1024);
    emulator.setDefaultBehaviour({ kind: 'text', chunks: Array.from({ length: 64 }, () => big), chunkDelayMs: 5 });
    const { port } = new URL(gateway.url);
    const body = JSON.stringify({ model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'a lot' }] });
    const stalled: Socket = connect(Number(port), '127.0.0.1');
    registerCleanup(() => stalled.destroy());
    await new Promise<void>((resolve) => stalled.once('connect', resolve));
    stalled.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${TEST_CLIENT_KEY}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    stalled.pause(); // never reads a byte of the answer
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emulator.counters().inFlight).toBe(1);

    emulator.setDefaultBehaviour({ kind: 'text' });
    const started = Date.now();
    const next = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_CLIENT_KEY}` },
      body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'my turn' }] }),
    });
    expect(next.status).toBe(200);
    // Served once the stalled stream was dropped: well before the 20 s queue timeout.
    expect(Date.now() - started).toBeLessThan(8_000);
    // The gateway dropped the stalled stream itself (the paused client never even read the FIN).
    const dropped = gateway.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request' && line.clientClosed === true);
    expect(dropped).toHaveLength(1);
  }, 30_000);
});
