import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { startForwardProxy, type ForwardProxy } from '../support/forward-proxy';
import { TEST_CLIENT_KEY, credentialFor } from '../support/gateway-harness';
import { spawnGateway, type GatewayProcess } from '../support/gateway-process';
import { makeSelfSignedCertificate } from '../support/tls';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** A TCP relay so the token endpoint has its own origin (localhost:<relay>) apart from Code Assist. */
async function startRelay(targetPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Many users reach Google only through a corporate proxy. With HTTPS_PROXY set, both the token
 * refresh and the Code Assist calls must tunnel through it (Node's own fetch would ignore it).
 */
describe('outbound calls through HTTPS_PROXY', () => {
  let emulator: GoogleEmulator;
  let proxy: ForwardProxy;
  let gateway: GatewayProcess;
  let relay: { port: number; close(): Promise<void> };

  beforeAll(async () => {
    const certificate = makeSelfSignedCertificate();
    emulator = await startEmulator({ tls: certificate });
    emulator.addAccount({ refreshToken: 'rt-proxy' });
    proxy = await startForwardProxy();
    relay = await startRelay(emulator.port);
    gateway = await spawnGateway({
      CODE_ASSIST_ENDPOINT: emulator.url,
      GOOGLE_OAUTH_TOKEN_URL: `https://localhost:${relay.port}/token`,
      GEMINI_CREDENTIALS: JSON.stringify(credentialFor('rt-proxy')),
      HTTPS_PROXY: proxy.url,
      NODE_EXTRA_CA_CERTS: certificate.certPath,
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await proxy?.close();
    await relay?.close();
    await emulator?.close();
  });

  it('refreshes the token and generates through the proxy', async () => {
    expect(emulator.url.startsWith('https://')).toBe(true);
    const response = await fetch(`${gateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'via proxy' }] }] }),
    });
    expect(response.status).toBe(200);
    expect(JSON.stringify(await response.json())).toContain('Echo: via proxy');
    // Two origins, two tunnels: the token endpoint's and Code Assist's. Nothing went direct.
    expect([...new Set(proxy.seen)].sort()).toEqual([`CONNECT 127.0.0.1:${emulator.port}`, `CONNECT localhost:${relay.port}`].sort());
    expect(emulator.counters().refreshes).toBe(1);
    expect(emulator.requests.some((record) => record.method === 'generateContent' && record.status === 200)).toBe(true);
  });
});
