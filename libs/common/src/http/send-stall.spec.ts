import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { watchSendStall } from './send-stall';

/** Real sockets on loopback: a client that stops reading, and one that keeps reading. */
describe('watchSendStall', () => {
  let server: Server;
  let port: number;
  const responses: ServerResponse[] = [];
  const sockets: Socket[] = [];
  const STALL_MS = 1_000;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      responses.push(response);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      watchSendStall(response, STALL_MS);
      const chunk = `data: ${'x'.repeat(64 * 1024)}\n\n`;
      const writer = setInterval(() => {
        if (response.destroyed || response.writableEnded) return clearInterval(writer);
        // A stream that keeps producing (as Google does) whatever the client reads.
        if (!response.writableNeedDrain || response.writableLength < 8 * 1024 * 1024) response.write(chunk);
      }, 5);
      response.once('close', () => clearInterval(writer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.destroy());
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function open(reading: boolean): Promise<{ socket: Socket; closed: Promise<void> }> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        const closed = new Promise<void>((resolveClose) => socket.once('close', () => resolveClose()));
        socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
        if (!reading) socket.pause();
        else socket.on('data', () => undefined);
        resolve({ socket, closed });
      });
      socket.on('error', () => undefined);
      sockets.push(socket);
    });
  }

  it('closes the response of a client that stopped reading, after the stall time', async () => {
    const before = responses.length;
    const started = Date.now();
    await open(false);
    while (responses.length === before) await new Promise((wake) => setTimeout(wake, 5));
    const response = responses[before];
    // Server side: the paused client never reads, so it would not even see the close.
    await Promise.race([
      new Promise<void>((resolve) => (response.destroyed ? resolve() : response.once('close', () => resolve()))),
      new Promise<void>((_, reject) => setTimeout(() => reject(new Error('still open after 10 s')), 10_000)),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(STALL_MS);
    expect(response.destroyed).toBe(true);
    expect(response.writableFinished).toBe(false);
  }, 15_000);

  it('leaves a client that keeps reading alone', async () => {
    const before = responses.length;
    const reader = await open(true);
    let closed = false;
    void reader.closed.then(() => { closed = true; });
    await new Promise((wake) => setTimeout(wake, STALL_MS * 3));
    expect(closed).toBe(false);
    expect(responses[before].destroyed).toBe(false);
    reader.socket.destroy();
  }, 15_000);

  it('does nothing when switched off (0)', () => {
    const fake = { writableNeedDrain: true, on: jest.fn(), once: jest.fn(), off: jest.fn(), destroy: jest.fn() };
    watchSendStall(fake as never, 0).stop();
    expect(fake.on).not.toHaveBeenCalled();
  });
});
