import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installAgentCli, killRunningProcesses, runProcess, type ProcessResult } from '../support/agent-cli';
import { emulateDirective, startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

/** The Gemini CLI release these tests pin (README "Use it from Gemini CLI" is written for it). */
const GEMINI_CLI_VERSION = '0.61.0';
const RUN_TIMEOUT_MS = 120_000;

type Part = Record<string, any>;
type Envelope = { model: string; request: { contents: Array<{ role: string; parts: Part[] }>; tools?: Array<Record<string, unknown>> } };

/**
 * The real Gemini CLI (npm @google/gemini-cli), headless, pointed at the gateway exactly as the
 * README says: API-key auth with the client key, GOOGLE_GEMINI_BASE_URL = the gateway. Offline:
 * the gateway talks to the emulator; the CLI has a throwaway HOME/TMPDIR, telemetry and update
 * checks off, and every run is killed (process group) after RUN_TIMEOUT_MS.
 */
describe(`Gemini CLI ${GEMINI_CLI_VERSION} against the gateway`, () => {
  let gemini: string;
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  let sandbox: string;
  let workspace: string;
  let tmp: string;

  const generations = (): Array<{ method: string; status: number; body: Envelope }> => emulator.requests
    .filter((record) => record.method === 'generateContent' || record.method === 'streamGenerateContent')
    .map((record) => ({ method: record.method, status: record.status, body: record.body as Envelope }));
  const errorReports = (): string[] => readdirSync(tmp).filter((name) => name.startsWith('gemini-client-error-'));

  /** `gemini -p <prompt>` in the workspace; the CLI's HOME, TMPDIR and environment are the test's only. */
  const run = (prompt: string, extraArgs: string[] = []): Promise<ProcessResult> => runProcess(gemini, ['-p', prompt, ...extraArgs], {
    cwd: workspace,
    timeoutMs: RUN_TIMEOUT_MS,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: join(sandbox, 'home'),
      TMPDIR: tmp,
      GEMINI_API_KEY: TEST_CLIENT_KEY,
      GOOGLE_GEMINI_BASE_URL: gateway.url,
      GEMINI_CLI_NO_RELAUNCH: 'true',
      GEMINI_CLI_TRUST_WORKSPACE: 'true',
      NO_COLOR: '1',
      NO_PROXY: '127.0.0.1,localhost',
    },
  });
  const expectCleanRun = (result: ProcessResult): void => {
    expect({ code: result.code, timedOut: result.timedOut, stderr: result.stderr }).toMatchObject({ code: 0, timedOut: false });
    expect(result.stderr).not.toMatch(/\b404\b|model_not_found|NOT_FOUND|Error:|ZodError|error report/i);
    expect(errorReports()).toEqual([]);
  };

  beforeAll(async () => {
    gemini = await installAgentCli({ pkg: '@google/gemini-cli', version: GEMINI_CLI_VERSION, name: 'gemini-cli', bin: 'gemini', timeoutMs: 600_000 });
    sandbox = mkdtempSync(join(tmpdir(), 'gcli2api-gemini-cli-'));
    workspace = join(sandbox, 'work');
    tmp = join(sandbox, 'tmp');
    for (const dir of [workspace, tmp, join(sandbox, 'home', '.gemini')]) mkdirSync(dir, { recursive: true });
    // README "Use it from Gemini CLI": API-key auth; here also telemetry, usage statistics and updates off.
    writeFileSync(join(sandbox, 'home', '.gemini', 'settings.json'), JSON.stringify({
      security: { auth: { selectedType: 'gemini-api-key' } },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    }, null, 2));
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-gemini-cli' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-gemini-cli') });
  }, 660_000);

  afterAll(async () => {
    killRunningProcesses();
    await gateway?.close();
    await emulator?.close();
    if (sandbox) rmSync(sandbox, { recursive: true, force: true });
  });

  beforeEach(() => emulator.resetCounters());

  it('answers a plain prompt with its default model routing: no 404, no error report', async () => {
    const result = await run('Say hello to the gateway');
    expectCleanRun(result);
    expect(result.stdout).toContain('Say hello to the gateway');
    const calls = generations();
    // The router's classifier call on its Flash-Lite (the name the catalog used to refuse), then the
    // answer on the Flash it routed to, both names Code Assist serves as they are.
    expect(calls.map((call) => call.body.model)).toEqual(['gemini-3.5-flash-lite', 'gemini-3.8-flash']);
    expect(calls.every((call) => call.status === 200)).toBe(true);
  }, RUN_TIMEOUT_MS + 10_000);

  it('runs a read_file tool round trip and sends the thought signature back', async () => {
    const file = join(workspace, 'notes.txt');
    writeFileSync(file, 'the secret word is pelican\n');
    const call = emulateDirective({ kind: 'function-call', calls: [{ name: 'read_file', args: { file_path: file } }], thoughtSignature: 'sig-read-file-1' });
    const result = await run(`${call} What is in notes.txt?`, ['--model', 'gemini-3-flash-preview']);
    expectCleanRun(result);
    const calls = generations();
    expect(calls.length).toBe(2);
    const [, second] = calls.map((entry) => entry.body);
    expect(second.model).toBe('gemini-3-flash-preview');
    const modelTurn = second.request.contents.find((content) => content.role === 'model' && content.parts.some((part) => part.functionCall));
    expect(modelTurn?.parts.find((part) => part.functionCall)).toMatchObject({ functionCall: { name: 'read_file' }, thoughtSignature: 'sig-read-file-1' });
    const answer = second.request.contents.at(-1)?.parts.find((part) => part.functionResponse)?.functionResponse;
    expect(answer).toMatchObject({ name: 'read_file' });
    expect(JSON.stringify(answer.response)).toContain('pelican');
    expect(result.stdout).toContain('read_file returned');
  }, RUN_TIMEOUT_MS + 10_000);

  it('searches the web with google_web_search (googleSearch grounding through the gateway)', async () => {
    emulator.enqueue({ kind: 'grounded', text: 'Gateways forward requests.', sources: [{ uri: 'https://example.com/gateways', title: 'About gateways' }] });
    const call = emulateDirective({ kind: 'function-call', calls: [{ name: 'google_web_search', args: { query: 'what is a gateway' } }] });
    const result = await run(`${call} Search the web for gateways`, ['--model', 'gemini-2.5-flash']);
    expectCleanRun(result);
    const search = generations().map((entry) => entry.body).find((body) => body.request.tools?.some((tool) => 'googleSearch' in tool));
    expect(search).toBeDefined();
    expect(JSON.stringify(search?.request.contents)).toContain('what is a gateway');
    const final = generations().at(-1)!.body;
    expect(JSON.stringify(final.request.contents.at(-1))).toContain('example.com/gateways');
  }, RUN_TIMEOUT_MS + 10_000);

  it('sends an image (inlineData) and counts its tokens with countTokens', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    writeFileSync(join(workspace, 'pixel.png'), png);
    const result = await run('Describe @pixel.png', ['--model', 'gemini-2.5-flash']);
    expectCleanRun(result);
    const withImage = generations().map((entry) => entry.body).find((body) => JSON.stringify(body.request.contents).includes('"inlineData"'));
    expect(withImage?.request.contents.flatMap((content) => content.parts).find((part) => part.inlineData)?.inlineData).toMatchObject({ mimeType: 'image/png', data: png.toString('base64') });
    const counts = emulator.requests.filter((record) => record.method === 'countTokens');
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.every((record) => record.status === 200)).toBe(true);
    expect(JSON.stringify(counts.map((record) => record.body))).toContain('"inlineData"');
  }, RUN_TIMEOUT_MS + 10_000);
});
