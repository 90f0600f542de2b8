import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';
import { spawnGateway, type GatewayProcess } from '../support/gateway-process';

/** Small things a new user met in the first hour (issue 19), checked on the wire. */
describe('a new user\'s first hour', () => {
  describe('with no Google credentials (the built gateway as a process)', () => {
    let gateway: GatewayProcess | undefined;

    afterAll(async () => {
      await gateway?.stop('SIGKILL');
    });

    it('warns once at start-up, without repeating itself, naming npm run login and GEMINI_CREDENTIALS; answers 503', async () => {
      gateway = await spawnGateway({});
      const warnings = gateway.output.filter((line) => line.includes('No Google credentials'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).not.toContain('none found');
      expect(warnings[0]).toContain('npm run login');
      expect(warnings[0]).toContain('GEMINI_CREDENTIALS');
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer ${TEST_CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(503);
      const error = ((await response.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('no_usable_credential');
      // The 503 names its fixes: a login, the credentials setting, and the switch for the status page.
      expect(error.message).toContain('npm run login');
      expect(error.message).toContain('GEMINI_CREDENTIALS');
      expect(error.message).toContain('ADMIN_API_KEY');
      expect((await fetch(`${gateway.url}/health/ready`)).status).toBe(503);
    }, 60_000);
  });

  describe('stream_options.include_usage', () => {
    let emulator: GoogleEmulator;
    let gateway: GatewayHarness;

    beforeAll(async () => {
      emulator = await startEmulator();
      emulator.addAccount({ refreshToken: 'rt-first-hour' });
      gateway = await startGateway({ emulator, credentials: credentialFor('rt-first-hour') });
    });

    afterAll(async () => {
      await gateway?.close();
      await emulator?.close();
    });

    it('puts "usage": null on every chunk before the usage chunk, the first one included', async () => {
      emulator.enqueue({ kind: 'text', chunks: ['a', 'b'], thoughts: ['hm'] });
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer ${TEST_CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gemini-2.5-flash', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const events = (await response.text()).split('\n\n').filter((event) => event.startsWith('data: {'));
      const chunks = events.map((event) => JSON.parse(event.slice('data: '.length)) as Record<string, unknown>);
      expect(chunks.length).toBeGreaterThanOrEqual(4);
      for (const chunk of chunks.slice(0, -1)) expect(chunk).toHaveProperty('usage', null);
      expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: expect.any(Number) } });
    });
  });
});
