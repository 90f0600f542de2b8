import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type GoogleEmulator } from '../../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../../support/gateway-harness';
import { CODEX_VERSION, codexConfig, codexModel, codexModelCatalog, ensureCodex, killCodexProcesses, runCodex, type CodexRun } from './codex-cli';

type Part = Record<string, any>;
type Envelope = { model: string; request: { contents: Array<{ role: string; parts: Part[] }>; tools?: Array<Record<string, any>>; [key: string]: any } };


/**
 * The real Codex CLI (`@openai/codex`, pinned, installed on demand into a cache outside the repo)
 * running `codex exec` headless with the README's config.toml: a custom model provider pointed at
 * the in-process gateway (`wire_api = "responses"`), Google emulated, everything on loopback.
 */
describe(`Codex CLI ${CODEX_VERSION} through the Responses API`, () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  let bin: string;
  let root: string;
  const generations = () => emulator.requests.filter((record) => record.method === 'streamGenerateContent' || record.method === 'generateContent');

  beforeAll(async () => {
    bin = await ensureCodex(600_000);
    root = mkdtempSync(join(tmpdir(), 'codex-e2e-'));
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-codex' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-codex') });
  }, 660_000);

  afterAll(async () => {
    killCodexProcesses();
    await gateway?.close();
    await emulator?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function workspace(name: string): { home: string; cwd: string } {
    const home = join(root, name, 'home');
    const cwd = join(root, name, 'work');
    mkdirSync(join(home, '.codex'), { recursive: true });
    mkdirSync(cwd, { recursive: true });
    // The README's two files, as a user would save them (only base_url differs).
    writeFileSync(join(home, '.codex', 'gemini-models.json'), codexModelCatalog());
    writeFileSync(join(home, '.codex', 'config.toml'), codexConfig(gateway.url));
    return { home, cwd };
  }

  const exec = async (place: { home: string; cwd: string }, prompt: string): Promise<CodexRun> => {
    const run = await runCodex({
      bin, cwd: place.cwd, home: place.home, timeoutMs: 120_000,
      env: { GEMINICLI2API_KEY: TEST_CLIENT_KEY },
      args: ['exec', '--skip-git-repo-check', prompt],
    });
    if (run.code !== 0) process.stderr.write(`codex failed (${run.code ?? run.signal}):\n${run.stdout}\n${run.stderr}\n`);
    return run;
  };

  it('answers, and its tools (functions, a namespace, freeform apply_patch) reach Google as declarations it accepts', async () => {
    const place = workspace('answer');
    const before = generations().length;
    emulator.enqueue({ kind: 'text', chunks: ['Hello from ', 'the gateway'] });
    const run = await exec(place, 'Say hello');
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Hello from the gateway');
    expect(run.stderr).not.toMatch(/unrecognized configuration|Model metadata for .* not found/);

    const [call] = generations().slice(before);
    expect(call.status).toBe(200);
    expect((call.body as Envelope).model).toBe(codexModel());
    const request = (call.body as Envelope).request;
    // One functionDeclarations tool, no googleSearch beside it (Codex also declares web_search).
    expect(request.tools).toHaveLength(1);
    const names = (request.tools?.[0].functionDeclarations as Array<{ name: string; parametersJsonSchema?: Record<string, any> }>).map((declaration) => declaration.name);
    expect(names).toEqual(expect.arrayContaining(['exec_command', 'apply_patch', 'spawn_agent']));
    const applyPatch = request.tools?.[0].functionDeclarations.find((declaration: { name: string }) => declaration.name === 'apply_patch');
    expect(applyPatch.parametersJsonSchema).toEqual(expect.objectContaining({ required: ['input'] }));
    expect(request.contents[request.contents.length - 1]).toEqual({ role: 'user', parts: [{ text: 'Say hello' }] });
  }, 180_000);

  it('round-trips an apply_patch custom tool call: the file is created and Google gets its signature back', async () => {
    const place = workspace('patch');
    const before = generations().length;
    const signature = Buffer.from('codex-apply-patch-signature-'.repeat(20)).toString('base64');
    const patch = '*** Begin Patch\n*** Add File: hello.txt\n+Hello from Gemini\n*** End Patch\n';
    emulator.enqueue(
      { kind: 'function-call', calls: [{ name: 'apply_patch', args: { input: patch } }], thoughtSignature: signature },
      { kind: 'text', chunks: ['Created hello.txt.'] },
    );
    const run = await exec(place, 'Create hello.txt saying hello');
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(0);
    expect(existsSync(join(place.cwd, 'hello.txt'))).toBe(true);
    expect(readFileSync(join(place.cwd, 'hello.txt'), 'utf8')).toBe('Hello from Gemini\n');
    expect(run.stdout).toContain('Created hello.txt.');

    const calls = generations().slice(before);
    expect(calls.map((record) => record.status)).toEqual([200, 200]);
    const contents = (calls[1].body as Envelope).request.contents;
    const modelTurn = contents.find((content) => content.role === 'model' && content.parts.some((part) => part.functionCall));
    const callPart = modelTurn?.parts.find((part) => part.functionCall);
    expect(callPart).toEqual({ functionCall: { id: expect.any(String), name: 'apply_patch', args: { input: patch } }, thoughtSignature: signature });
    const responsePart = contents.flatMap((content) => content.parts).find((part) => part.functionResponse);
    expect(responsePart?.functionResponse).toMatchObject({ id: callPart?.functionCall.id, name: 'apply_patch' });
  }, 180_000);
});
