import { connect, type Socket } from 'node:net';
import { registerCleanup } from '../support/cleanup';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

/**
 * A slow client slows Google's stream instead of growing the gateway's memory: while the client's
 * socket is full the gateway stops reading the upstream body (pause until 'drain'), so the emulator
 * cannot finish sending; once the client reads again, every byte arrives.
 */
describe('stream backpressure', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  const CHUNKS = 128;
  const CHUNK_CHARS = 512 * 1024;

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-backpressure' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-backpressure'), env: { STREAM_SEND_STALL_MS: '0' } });
  });

  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
  });

  it('pauses the upstream read while the client does not read, and delivers everything after', async () => {
    emulator.setDefaultBehaviour({ kind: 'text', chunks: Array.from({ length: CHUNKS }, () => 'x'.repeat(CHUNK_CHARS)), chunkDelayMs: 0 });
    const { port } = new URL(gateway.url);
    const body = JSON.stringify({ model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'a lot, slowly' }] });
    const client: Socket = connect(Number(port), '127.0.0.1');
    registerCleanup(() => client.destroy());
    await new Promise<void>((resolve) => client.once('connect', resolve));
    client.pause();
    client.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nAuthorization: Bearer ${TEST_CLIENT_KEY}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

    // 64 MiB of answer cannot fit in the socket buffers between a paused client and the emulator.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(emulator.counters().inFlight).toBe(1);

    let received = 0;
    let tail = '';
    // SSE answers keep the connection alive: the stream is over at OpenAI's `[DONE]`.
    const done = new Promise<void>((resolve, reject) => {
      client.on('data', (chunk: Buffer) => {
        received += chunk.length;
        tail = (tail + chunk.toString('latin1')).slice(-200);
        if (tail.includes('data: [DONE]')) resolve();
      });
      client.once('close', () => reject(new Error(`the connection closed after ${received} bytes without [DONE]`)));
    });
    client.resume();
    await done;
    expect(received).toBeGreaterThan(CHUNKS * CHUNK_CHARS);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emulator.counters().inFlight).toBe(0);
  }, 60_000);
});
