import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killRunningProcesses, runProcess, startBackground, type BackgroundProcess } from '../support/agent-cli';
import { freePort, repositoryRoot, waitFor, waitForHttp } from '../support/ports';

const ROOT = repositoryRoot();
/** What a checkout after `npm ci` holds (the walkthrough needs nothing else). */
const CHECKOUT = ['package.json', 'package-lock.json', 'node_modules', 'dist', 'scripts', 'apps', 'libs', 'test', 'bench', 'tsconfig.json', 'tsconfig.build.json'];

/** The bash block that follows `<!-- walkthrough:<name> -->` in README.md. */
function walkthroughBlock(name: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- walkthrough:${name} -->\\s*\`\`\`bash\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no walkthrough:${name} block`);
  return match[1];
}

/**
 * README's "Try it offline with the emulator", run command for command: each block in its own
 * fresh bash (nothing exported from one shell to the next), in a folder that looks like a checkout
 * after `npm ci`. Only the ports differ: the test picks free ones (EMULATOR_PORT and PORT in the
 * environment, and the curl's localhost:8888 rewritten).
 */
describe('README walkthrough (emulator, gateway, curl in three fresh shells)', () => {
  let folder: string;
  const started: BackgroundProcess[] = [];

  beforeAll(async () => {
    // A stale dist/ would be rebuilt by `npm start`; do it here, bounded, so the shells only run.
    const build = await runProcess(process.execPath, [join(ROOT, 'scripts/build-if-stale.mjs')], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, timeoutMs: 300_000 });
    expect(build).toMatchObject({ code: 0, timedOut: false });
    folder = mkdtempSync(join(tmpdir(), 'gcli2api-walkthrough-'));
    for (const entry of CHECKOUT) if (existsSync(join(ROOT, entry))) symlinkSync(join(ROOT, entry), join(folder, entry));
    mkdirSync(join(folder, 'home'));
  }, 320_000);

  afterAll(async () => {
    await Promise.all(started.map((background) => background.stop()));
    killRunningProcesses();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('answers "Echo: hello" to the README\'s curl', async () => {
    const [emulatorPort, gatewayPort] = [await freePort(), await freePort()];
    const shellEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
      PATH: process.env.PATH ?? '', HOME: join(folder, 'home'), npm_config_update_notifier: 'false', ...extra,
    });

    const emulator = startBackground('bash', ['-c', walkthroughBlock('emulator')], { cwd: folder, env: shellEnv({ EMULATOR_PORT: String(emulatorPort) }) });
    started.push(emulator);
    await waitFor(() => existsSync(join(folder, '.env')) && emulator.output().includes('listening'), 30_000).catch(() => {
      throw new Error(`the emulator did not start:\n${emulator.output()}`);
    });
    expect(readFileSync(join(folder, '.env'), 'utf8')).toMatch(/^export GEMINI_AUTH_PASSWORD='.+'$/m);

    const gateway = startBackground('bash', ['-c', walkthroughBlock('gateway')], { cwd: folder, env: shellEnv({ PORT: String(gatewayPort), HOST: '127.0.0.1', METRICS_PORT: '0' }) });
    started.push(gateway);
    await waitForHttp(`http://127.0.0.1:${gatewayPort}/health/ready`, { status: 200, timeoutMs: 60_000 }).catch(() => {
      throw new Error(`the gateway did not become ready:\n${gateway.output()}`);
    });
    expect(gateway.output()).not.toContain('Building dist/');

    const request = walkthroughBlock('request');
    expect(request).toContain('localhost:8888');
    const curl = await runProcess('bash', ['-c', request.replaceAll('localhost:8888', `localhost:${gatewayPort}`)], { cwd: folder, env: shellEnv(), timeoutMs: 30_000 });
    expect(curl).toMatchObject({ code: 0, timedOut: false });
    const answer = JSON.parse(curl.stdout) as { choices: Array<{ message: { content: string } }> };
    expect(answer.choices[0].message.content).toBe('Echo: hello');
  }, 150_000);
});
