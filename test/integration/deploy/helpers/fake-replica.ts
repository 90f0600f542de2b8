import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny stand-in for a gateway replica behind nginx. What it does is chosen per request with the
 * `x-test-mode` header, so one pair of replicas serves every nginx scenario:
 * - `slow`: answers after `x-test-delay-ms` (default 300);
 * - `stream`: SSE, one event, a pause of `x-test-delay-ms` (default 800), a second event;
 * - `count-body`: reads the body and answers with its size;
 * - `die-after-body`: reads the whole body, then destroys the socket without answering;
 * - default: echoes method, url and headers as JSON (and an X-Request-ID, like the gateway).
 */
export interface FakeReplica {
  name: string;
  address: string;
  hits: Array<{ method: string; url: string; mode: string }>;
  close(): Promise<void>;
}

const wait = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

async function readBody(request: IncomingMessage): Promise<number> {
  let bytes = 0;
  for await (const chunk of request) bytes += (chunk as Buffer).length;
  return bytes;
}

async function handle(name: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const mode = String(request.headers['x-test-mode'] ?? 'echo');
  const delay = Number(request.headers['x-test-delay-ms'] ?? (mode === 'stream' ? 800 : 300));
  switch (mode) {
    case 'slow': {
      await readBody(request);
      await wait(delay);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ replica: name }));
      return;
    }
    case 'stream': {
      await readBody(request);
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      response.write(`data: {"replica":"${name}","part":"one"}\n\n`);
      await wait(delay);
      response.end(`data: {"replica":"${name}","part":"two"}\n\ndata: [DONE]\n\n`);
      return;
    }
    case 'count-body': {
      const bytes = await readBody(request);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ replica: name, bytes }));
      return;
    }
    case 'die-after-body': {
      await readBody(request);
      request.socket.destroy();
      return;
    }
    default: {
      await readBody(request);
      response
        .writeHead(200, { 'content-type': 'application/json', 'x-request-id': String(request.headers['x-request-id'] ?? 'replica-made-id') })
        .end(JSON.stringify({ replica: name, method: request.method, url: request.url, headers: request.headers }));
    }
  }
}

export async function startFakeReplica(name: string): Promise<FakeReplica> {
  const hits: FakeReplica['hits'] = [];
  const server: Server = createServer((request, response) => {
    hits.push({ method: request.method ?? '', url: request.url ?? '', mode: String(request.headers['x-test-mode'] ?? 'echo') });
    handle(name, request, response).catch(() => request.socket.destroy());
  });
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name,
    address: `127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
