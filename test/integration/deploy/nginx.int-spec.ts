import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NGINX_TEMPLATE_PATH, checkNginxConfig, renderNginxTemplate, startNginx, writeNginxConfig, type NginxHandle } from '../../support/nginx';
import { startFakeReplica, type FakeReplica } from './helpers/fake-replica';

// Real processes (helm, nginx, promtool) can be slow on a loaded 2-core CI machine.
jest.setTimeout(30_000);

/**
 * The shipped nginx config (deploy/nginx/geminicli2api.conf.template), rendered exactly as the
 * multi-replica tests and docker-compose use it, in front of two tiny replicas.
 */
const COMPOSE_RENDERING_PATH = resolve(__dirname, '../../../deploy/nginx/compose/geminicli2api.conf');
const COMPOSE_HEADER =
  '# GENERATED from deploy/nginx/geminicli2api.conf.template for docker-compose.yml (three replicas).\n' +
  '# Do not edit: change the template, then run\n' +
  '#   UPDATE_NGINX_RENDERING=1 npx jest --selectProjects integration --testPathPattern deploy/nginx\n\n';
const composeRendering = (template: string) =>
  COMPOSE_HEADER +
  renderNginxTemplate(template, { listenPort: 8080, upstreams: ['gateway-1:8888', 'gateway-2:8888', 'gateway-3:8888'], accessLog: '/dev/stdout' });

describe('shipped nginx config', () => {
  it('passes nginx -t once rendered', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'gcli2api-nginx-t-'));
    try {
      const confPath = await writeNginxConfig(directory, { listenPort: '127.0.0.1:1', upstreams: ['127.0.0.1:2', '127.0.0.1:3'], accessLog: join(directory, 'access.log') });
      expect(checkNginxConfig(directory, confPath)).toContain('test is successful');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('has its docker-compose rendering up to date (the compose stack runs the tested file)', async () => {
    const template = await readFile(NGINX_TEMPLATE_PATH, 'utf8');
    const expected = composeRendering(template);
    if (process.env.UPDATE_NGINX_RENDERING === '1') await writeFile(COMPOSE_RENDERING_PATH, expected);
    expect(await readFile(COMPOSE_RENDERING_PATH, 'utf8')).toBe(expected);
  });

  it('keeps the settings the edge depends on', async () => {
    const template = await readFile(NGINX_TEMPLATE_PATH, 'utf8');
    const directives = template.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean).join('\n');
    expect(directives).toMatch(/^least_conn;$/m);
    expect(directives).toMatch(/^keepalive \d+;$/m);
    expect(directives).toMatch(/^proxy_http_version 1\.1;$/m);
    expect(directives).toMatch(/^proxy_set_header Connection "";$/m);
    expect(directives).toMatch(/^proxy_next_upstream error timeout;$/m);
    expect(directives).not.toContain('non_idempotent');
    const readTimeout = Number(/^proxy_read_timeout (\d+)s;$/m.exec(directives)?.[1]);
    expect(readTimeout).toBeGreaterThanOrEqual(600);
    const bodyLimit = Number(/^client_max_body_size (\d+)m;$/m.exec(directives)?.[1]);
    expect(bodyLimit).toBeGreaterThanOrEqual(25);
    // Buffering off in exactly the two streaming locations, on (default) elsewhere.
    expect(directives.match(/proxy_buffering off;/g)).toHaveLength(2);
    expect(directives).toMatch(/location = \/v1\/chat\/completions \{\nproxy_buffering off;/);
    expect(directives).toMatch(/location ~ :streamGenerateContent\$ \{\nproxy_buffering off;/);
    // The access log format never carries credentials or the query string.
    const logFormat = /log_format[\s\S]*?';/.exec(directives)?.[0] ?? '';
    expect(logFormat).not.toMatch(/\$http_authorization|\$http_x_goog_api_key|\$args|\$query_string|\$request_uri|\$request"/);
  });
});

describe('nginx in front of two replicas', () => {
  let replicas: FakeReplica[];
  let nginx: NginxHandle;

  beforeAll(async () => {
    replicas = [await startFakeReplica('a'), await startFakeReplica('b')];
    nginx = await startNginx({ upstreams: replicas.map((replica) => replica.address) });
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all((replicas ?? []).map((replica) => replica.close()));
  });

  beforeEach(() => {
    for (const replica of replicas) replica.hits.length = 0;
  });

  it('spreads concurrent long requests over both replicas (least_conn)', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => fetch(`${nginx.url}/v1/models`, { headers: { 'x-test-mode': 'slow', 'x-test-delay-ms': '400' } }).then((response) => response.json() as Promise<{ replica: string }>)),
    );
    const counts = { a: 0, b: 0 } as Record<string, number>;
    for (const answer of answers) counts[answer.replica] += 1;
    expect(counts).toEqual({ a: 3, b: 3 });
  });

  it('generates an X-Request-ID, forwards it to the replica and echoes exactly one back', async () => {
    const response = await fetch(`${nginx.url}/v1/models`);
    const body = (await response.json()) as { headers: Record<string, string> };
    const echoed = response.headers.get('x-request-id');
    expect(echoed).toMatch(/^[0-9a-f]{32}$/);
    expect(body.headers['x-request-id']).toBe(echoed);
    expect(echoed).not.toContain(',');
  });

  it('adopts a sane client X-Request-ID and replaces an unsafe one', async () => {
    const adopted = await fetch(`${nginx.url}/v1/models`, { headers: { 'x-request-id': 'client-id_42.a:b' } });
    expect(((await adopted.json()) as { headers: Record<string, string> }).headers['x-request-id']).toBe('client-id_42.a:b');
    expect(adopted.headers.get('x-request-id')).toBe('client-id_42.a:b');
    const replaced = await fetch(`${nginx.url}/v1/models`, { headers: { 'x-request-id': 'has spaces", "injected' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['OpenAI chat completions', 'POST', '/v1/chat/completions'],
    ['Gemini streamGenerateContent', 'POST', '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse'],
  ])('delivers a %s stream incrementally (buffering off)', async (_label, method, path) => {
    const started = Date.now();
    const response = await fetch(`${nginx.url}${path}`, { method, headers: { 'x-test-mode': 'stream', 'x-test-delay-ms': '800', 'content-type': 'application/json' }, body: '{"stream":true}' });
    const reader = response.body!.getReader();
    const first = await reader.read();
    const firstAfterMs = Date.now() - started;
    expect(new TextDecoder().decode(first.value)).toContain('"part":"one"');
    expect(new TextDecoder().decode(first.value)).not.toContain('"part":"two"');
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    const totalMs = Date.now() - started;
    expect(rest).toContain('[DONE]');
    // The first event reached the client while the replica was still pausing (800 ms) before the
    // second: delivered as written, not held until the response ended.
    expect(totalMs - firstAfterMs).toBeGreaterThanOrEqual(600);
  });

  it('accepts a 20 MB body (base64 images) and refuses one above the limit', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024, 'a');
    const accepted = await fetch(`${nginx.url}/v1/chat/completions`, { method: 'POST', headers: { 'x-test-mode': 'count-body', 'content-type': 'application/json' }, body: big });
    expect(accepted.status).toBe(200);
    expect(((await accepted.json()) as { bytes: number }).bytes).toBe(big.length);
    // nginx judges the declared length before reading the body: 413 at once, whatever follows.
    const tooBig = await new Promise<number | undefined>((resolveStatus, reject) => {
      const request = httpRequest(`${nginx.url}/v1/chat/completions`, { method: 'POST', headers: { 'x-test-mode': 'count-body', 'content-type': 'application/json', 'content-length': String(40 * 1024 * 1024) } }, (response) => {
        response.resume();
        resolveStatus(response.statusCode);
      });
      request.once('error', reject);
      request.write('{"messages":');
    });
    expect(tooBig).toBe(413);
  });

  it('logs JSON without the Authorization header or the query string', async () => {
    await fetch(`${nginx.url}/v1beta/models?key=sk-query-secret`, { headers: { authorization: 'Bearer sk-header-secret', 'x-request-id': 'log-check-1' } });
    await new Promise((wake) => setTimeout(wake, 100));
    const lines = await nginx.accessLog();
    const line = lines.find((candidate) => candidate.includes('log-check-1'));
    expect(line).toBeDefined();
    const entry = JSON.parse(line!) as Record<string, unknown>;
    expect(entry).toMatchObject({ method: 'GET', path: '/v1beta/models', status: 200, request_id: 'log-check-1' });
    expect(lines.join('\n')).not.toMatch(/sk-query-secret|sk-header-secret|Bearer/);
  });
});

describe('nginx failover', () => {
  let replicas: FakeReplica[];
  let nginx: NginxHandle;

  beforeEach(async () => {
    replicas = [await startFakeReplica('a'), await startFakeReplica('b')];
    nginx = await startNginx({ upstreams: replicas.map((replica) => replica.address) });
  });

  afterEach(async () => {
    await nginx?.stop();
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  const totalHits = () => replicas.reduce((sum, replica) => sum + replica.hits.length, 0);

  it('does not retry a POST on another replica once it was sent (no double generation)', async () => {
    const response = await fetch(`${nginx.url}/v1/chat/completions`, { method: 'POST', headers: { 'x-test-mode': 'die-after-body', 'content-type': 'application/json' }, body: '{"model":"m"}' });
    expect(response.status).toBe(502);
    expect(totalHits()).toBe(1);
  });

  it('does retry an idempotent GET on the other replica', async () => {
    const response = await fetch(`${nginx.url}/v1/models`, { headers: { 'x-test-mode': 'die-after-body' } });
    expect(response.status).toBe(502);
    expect(totalHits()).toBe(2);
    expect(replicas.every((replica) => replica.hits.length === 1)).toBe(true);
  });

  it('sends a POST to the other replica when the first cannot be reached at all', async () => {
    await replicas[0].close();
    const answers = await Promise.all([1, 2].map(() => fetch(`${nginx.url}/v1/chat/completions`, { method: 'POST', headers: { 'x-test-mode': 'count-body' }, body: 'x' })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(replicas[1].hits).toHaveLength(2);
  });
});

describe('nginx error log and error pages', () => {
  let nginx: NginxHandle;
  let openPort: number;

  beforeAll(async () => {
    // An upstream nobody listens on: every request is an upstream connect failure, as during a rolling update.
    const { freePort } = await import('../../support/nginx');
    openPort = await freePort();
    nginx = await startNginx({ upstreams: [`127.0.0.1:${openPort}`] });
  });

  afterAll(async () => {
    await nginx?.stop();
  });

  /** Sends only the head with a Content-Length above client_max_body_size: nginx answers 413 from the head. */
  async function oversized(path: string): Promise<{ status: number; body: string }> {
    const { connect } = await import('node:net');
    return new Promise((resolveAnswer, reject) => {
      const socket = connect(nginx.port, '127.0.0.1');
      let text = '';
      const timer = setTimeout(() => { socket.destroy(); reject(new Error('no 413 within 10 s')); }, 10_000);
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        const [head, body = ''] = text.split('\r\n\r\n');
        resolveAnswer({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0), body });
      };
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        const [head, body] = text.split('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? -1);
        if (body !== undefined && length >= 0 && Buffer.byteLength(body) >= length) finish();
      });
      socket.on('error', () => undefined);
      socket.on('close', finish);
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40000000\r\n\r\n`);
    });
  }

  it('never writes the query string (?key=) to its error log, on upstream connect failures or 413s', async () => {
    expect((await fetch(`${nginx.url}/v1beta/models?key=sk-connect-secret`)).status).toBe(502);
    expect((await oversized('/v1beta/models/gemini-2.5-flash:generateContent?key=sk-too-large-secret')).status).toBe(413);
    await new Promise((wake) => setTimeout(wake, 200));
    const everything = `${await nginx.errorLog()}\n${nginx.stderr()}`;
    expect(everything).not.toMatch(/sk-connect-secret|sk-too-large-secret|\?key=/);
  });

  it('answers its own 413 in the caller\'s dialect', async () => {
    const openai = await oversized('/v1/chat/completions?key=sk-x');
    expect(openai.status).toBe(413);
    expect(JSON.parse(openai.body)).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'request_too_large' } });
    const upper = await oversized('//V1/chat/completions');
    expect(JSON.parse(upper.body)).toMatchObject({ error: { code: 'request_too_large' } });
    const google = await oversized('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(google.status).toBe(413);
    expect(JSON.parse(google.body)).toEqual({ error: { code: 413, message: expect.any(String), status: 'INVALID_ARGUMENT' } });
    expect(openai.body + google.body).not.toContain('sk-x');
  });
});
