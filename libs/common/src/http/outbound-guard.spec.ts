import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { OutboundGuard, OutboundRefusedError, isPublicAddress } from './outbound-guard';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1', '127.255.255.254', '0.0.0.0', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254',
    '100.64.0.1', '224.0.0.1', '255.255.255.255', '::', '::1', '[::1]', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe',
    '::127.0.0.1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'ff02::1', '64:ff9b::a00:1', '2002:7f00:1::', 'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '142.250.74.110', '2607:f8b0:4004:c07::64', '[2a00:1450:4001:82a::200e]'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('OutboundGuard.checkUrl', () => {
  const guard = new OutboundGuard();

  it.each([
    'http://127.1/', 'http://0x7f000001/', 'http://2130706433/', 'http://0177.0.0.1/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/',
    'http://localhost/', 'http://LOCALHOST./', 'http://a.localhost/', 'http://169.254.169.254/latest/meta-data/', 'http://metadata.google.internal/',
    'http://metadata/', 'http://0.0.0.0/', 'http://10.0.0.1/', 'http://[fd00::1]/', 'http://[fe80::1]/', 'http://intranet/', 'ftp://8.8.8.8/',
    'file:///etc/passwd', 'http://user:pass@8.8.8.8/', 'not a url',
  ])('refuses %s before connecting', (url) => {
    expect(() => guard.checkUrl(url)).toThrow(OutboundRefusedError);
  });

  it('lets public addresses and ordinary names through to the lookup', () => {
    expect(guard.checkUrl('https://8.8.8.8/cat.png').hostname).toBe('8.8.8.8');
    expect(guard.checkUrl('https://images.example.com/cat.png').hostname).toBe('images.example.com');
  });
});

describe('OutboundGuard agent', () => {
  let server: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((_request, response) => { hits += 1; response.writeHead(200, { 'content-type': 'image/png' }).end('png'); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const agentOf = (guard: OutboundGuard) => guard.createAgent({ connectTimeoutMs: 2_000, headersTimeoutMs: 2_000, bodyTimeoutMs: 2_000 });

  it('refuses a name that resolves to a private address, without connecting', async () => {
    hits = 0;
    const guard = new OutboundGuard({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const agent = agentOf(guard);
    await expect(request(`http://images.example.com:${port}/cat.png`, { dispatcher: agent })).rejects.toThrow();
    expect(hits).toBe(0);
    await agent.close();
  });

  it('refuses a name when any of its addresses is private (no picking the public one)', async () => {
    const seen: string[] = [];
    const guard = new OutboundGuard({ resolve: async (host) => { seen.push(host); return [{ address: '8.8.8.8', family: 4 }, { address: '10.0.0.1', family: 4 }]; } });
    await expect(new Promise((resolve, reject) => guard.lookup('mixed.example.com', { all: true }, (error, value) => (error ? reject(error) : resolve(value))))).rejects.toBeInstanceOf(OutboundRefusedError);
    expect(seen).toEqual(['mixed.example.com']);
  });

  it('resolves once and connects to the very address it checked', async () => {
    hits = 0;
    let lookups = 0;
    // The allow-list (tests only) lets this loopback answer through; the name exists nowhere else,
    // so a successful fetch proves the socket used the guard's answer, not a second lookup.
    const guard = new OutboundGuard({ allowHosts: ['images.example.com'], resolve: async () => { lookups += 1; return [{ address: '127.0.0.1', family: 4 }]; } });
    const agent = agentOf(guard);
    const response = await request(`http://images.example.com:${port}/cat.png`, { dispatcher: agent });
    expect(await response.body.text()).toBe('png');
    expect(lookups).toBe(1);
    expect(hits).toBe(1);
    await agent.close();
  });
});
