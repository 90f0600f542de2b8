import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorRequestRecord, type GoogleEmulator } from '../../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../../support/gateway-harness';
import { agentCliDir, installAgentCli, killRunningProcesses, runProcess, type ProcessResult } from '../../support/agent-cli';
import { startRecordingProxy, type RecordingProxy } from '../../support/recording-proxy';

/** Pinned: what this test proved works. Bump deliberately (and read what the new version sends). */
const CLAUDE_CODE_VERSION = '2.1.332';
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const RUN_TIMEOUT_MS = 120_000;
/** A 1×1 PNG: what Claude Code's Read tool returns as an image block for a screenshot. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const SIGNATURE = Buffer.from('claude-code-round-trip-signature-'.repeat(8)).toString('base64');

type Envelope = { model: string; request: Record<string, any> };

/**
 * The real Claude Code CLI, headless (`claude -p … --output-format json`), against the gateway
 * and the emulator: offline (the gateway and Google's stand-in on loopback, nonessential traffic,
 * telemetry and updates off), a temporary HOME, and a hard timeout that kills its process group.
 */
describe(`Claude Code ${CLAUDE_CODE_VERSION} through the gateway`, () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  let proxy: RecordingProxy;
  let claude: string;
  let home: string;
  let workdir: string;

  const generations = (): Array<EmulatorRequestRecord & { body: Envelope }> =>
    emulator.requests.filter((record) => record.method === 'generateContent' || record.method === 'streamGenerateContent') as Array<EmulatorRequestRecord & { body: Envelope }>;

  /** `auth`: the key as ANTHROPIC_API_KEY (x-api-key) or ANTHROPIC_AUTH_TOKEN (Authorization: Bearer) — the README's two ways. */
  const run = (prompt: string, extraArgs: string[] = [], auth: 'ANTHROPIC_API_KEY' | 'ANTHROPIC_AUTH_TOKEN' = 'ANTHROPIC_API_KEY'): Promise<ProcessResult> => runProcess(claude, ['-p', prompt, '--output-format', 'json', ...extraArgs], {
    cwd: workdir,
    timeoutMs: RUN_TIMEOUT_MS,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      CLAUDE_CONFIG_DIR: join(home, '.claude'),
      ANTHROPIC_BASE_URL: proxy.url,
      [auth]: TEST_CLIENT_KEY,
      ANTHROPIC_MODEL: 'claude-sonnet-4-5',
      ANTHROPIC_SMALL_FAST_MODEL: 'claude-haiku-4-5',
      ANTHROPIC_DEFAULT_HAIKU_MODEL: 'claude-haiku-4-5',
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      NO_PROXY: '*',
    },
  });

  beforeAll(async () => {
    const launcher = await installAgentCli({ pkg: '@anthropic-ai/claude-code', version: CLAUDE_CODE_VERSION, name: 'claude-code', bin: 'claude', timeoutMs: INSTALL_TIMEOUT_MS });
    const dir = agentCliDir('claude-code', CLAUDE_CODE_VERSION);
    const native = join(dir, 'node_modules', '@anthropic-ai', `claude-code-${process.platform}-${process.arch}`, 'claude');
    claude = existsSync(native) ? native : launcher;
    home = mkdtempSync(join(tmpdir(), 'gc2a-claude-home-'));
    workdir = mkdtempSync(join(tmpdir(), 'gc2a-claude-work-'));
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-claude-code' });
    gateway = await startGateway({
      emulator, credentials: credentialFor('rt-claude-code'),
      env: { MODEL_ALIASES: 'claude-*haiku*=gemini-2.5-flash-lite,claude-*=gemini-3-pro-preview', LOG_LEVEL: 'warn' },
    });
    proxy = await startRecordingProxy(gateway.url);
  }, INSTALL_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    killRunningProcesses();
    await proxy?.close();
    await gateway?.close();
    await emulator?.close();
    for (const folder of [home, workdir]) if (folder) rmSync(folder, { recursive: true, force: true });
  });

  beforeEach(() => emulator.resetCounters());

  it('answers a prompt; its tool set reaches Google as declarations the emulator accepts', async () => {
    const result = await run('Say hello');
    if (process.env.DUMP_CLAUDE) writeFileSync(process.env.DUMP_CLAUDE, JSON.stringify({ result, sent: proxy.requests, requests: emulator.requests, logs: gateway.logs }, null, 2));
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as { is_error: boolean; result: string };
    expect(answer.is_error).toBe(false);
    expect(answer.result).toContain('Echo:');
    const main = generations().find((record) => (record.body.request.tools?.[0]?.functionDeclarations?.length ?? 0) > 5);
    expect(main?.status).toBe(200);
    const names = main!.body.request.tools[0].functionDeclarations.map((declaration: { name: string }) => declaration.name);
    expect(names).toEqual(expect.arrayContaining(['Bash', 'Read', 'Edit']));
    expect(main!.body.model).toBe('gemini-3-pro-preview');
    expect(generations().every((record) => record.status === 200)).toBe(true);

    // What Claude Code really sent, all accepted: the beta route and headers, thinking, metadata,
    // context_management, cache_control, a defer_loading tool with empty properties, $schema in schemas.
    const sent = proxy.requests.filter((record) => record.url.startsWith('/v1/messages'));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((record) => record.status === 200)).toBe(true);
    const body = sent.find((record) => Array.isArray((record.body as { tools?: unknown[] }).tools))!;
    expect(body.url).toBe('/v1/messages?beta=true');
    expect(body.headers['anthropic-beta']).toBeTruthy();
    expect(body.headers['x-api-key']).toBe(TEST_CLIENT_KEY);
    const text = JSON.stringify(body.body);
    for (const field of ['"metadata"', '"context_management"', '"cache_control"', '"defer_loading"', '"$schema"', '"thinking"']) expect(text).toContain(field);
    const upstream = JSON.stringify(main!.body.request);
    const forwarded = ['context_management', 'cache_control', 'defer_loading', '$schema', 'metadata', 'output_config'].filter((field) => upstream.includes(`"${field}":`));
    expect(forwarded).toEqual([]);
  }, RUN_TIMEOUT_MS + 10_000);

  it('one turn in which Google calls Claude Code\'s Read tool twice (text and a screenshot) round-trips with the thoughtSignature intact', async () => {
    const notes = join(workdir, 'notes.txt');
    const screenshot = join(workdir, 'screenshot.png');
    writeFileSync(notes, 'the secret word is pelican\n');
    writeFileSync(screenshot, Buffer.from(PNG, 'base64'));
    emulator.enqueue({ kind: 'function-call', calls: [{ name: 'Read', args: { file_path: notes } }, { name: 'Read', args: { file_path: screenshot } }], thoughtSignature: SIGNATURE, thoughts: [] });
    const result = await run('What is the secret word in notes.txt, and what does screenshot.png show?', ['--allowedTools', 'Read'], 'ANTHROPIC_AUTH_TOKEN');
    if (process.env.DUMP_CLAUDE) writeFileSync(`${process.env.DUMP_CLAUDE}.tool.json`, JSON.stringify({ result, sent: proxy.requests, requests: emulator.requests, logs: gateway.logs }, null, 2));
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { is_error: boolean }).is_error).toBe(false);
    expect(proxy.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TEST_CLIENT_KEY}`);

    const calls = generations().filter((record) => (record.body.request.tools?.length ?? 0) > 0);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((record) => record.status === 200)).toBe(true);
    // The second turn: Google's signature on the first functionCall part, both results by id, the image inline.
    const contents = calls[1].body.request.contents as Array<{ role: string; parts: Array<Record<string, any>> }>;
    const callTurn = contents.find((content) => content.parts.some((part) => part.functionCall))!;
    expect(callTurn.parts.map((part) => part.functionCall?.args.file_path)).toEqual([notes, screenshot]);
    expect(callTurn.parts[0].thoughtSignature).toBe(SIGNATURE);
    const resultTurn = contents[contents.indexOf(callTurn) + 1];
    const responses = resultTurn.parts.filter((part) => part.functionResponse);
    expect(responses.map((part) => part.functionResponse.id)).toEqual(callTurn.parts.map((part) => part.functionCall.id));
    expect(JSON.stringify(responses[0].functionResponse.response)).toContain('pelican');
    expect(resultTurn.parts.some((part) => part.inlineData?.mimeType === 'image/png')).toBe(true);
  }, RUN_TIMEOUT_MS + 10_000);
});
