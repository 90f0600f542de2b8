import OpenAI from 'openai';
import { startEmulator, type GoogleEmulator } from '../support/emulator';
import { TEST_CLIENT_KEY, credentialFor, startGateway, type GatewayHarness } from '../support/gateway-harness';

/**
 * Model names the catalog does not list are forwarded (Google's own 404 answers them), Gemini
 * CLI's renames for Code Assist are applied, and names that are not Gemini-shaped are still refused
 * on the OpenAI route. See docs/wire/models.md.
 */
describe('model names: forwarded, renamed, refused', () => {
  let emulator: GoogleEmulator;
  let gateway: GatewayHarness;
  let client: OpenAI;
  const upstreamModels = (): string[] => emulator.requests.filter((record) => /generateContent|countTokens/i.test(record.method))
    .map((record) => String((record.body as { model?: string; request?: { model?: string } } | undefined)?.model ?? (record.body as { request?: { model?: string } } | undefined)?.request?.model));
  const post = (path: string, body: unknown) =>
    fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': TEST_CLIENT_KEY }, body: JSON.stringify(body) });
  const contents = [{ role: 'user', parts: [{ text: 'hi' }] }];
  const googleNotFound = { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } };

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.addAccount({ refreshToken: 'rt-names' });
    gateway = await startGateway({ emulator, credentials: credentialFor('rt-names') });
    client = new OpenAI({ apiKey: TEST_CLIENT_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
  });

  beforeEach(() => emulator.resetCounters());

  it('sends gemini-3.5-flash to Code Assist as gemini-3-flash and echoes the asked name', async () => {
    const completion = await client.chat.completions.create({ model: 'gemini-3.5-flash', messages: [{ role: 'user', content: 'renamed' }] });
    expect(completion.model).toBe('gemini-3.5-flash');
    const native = await post('/v1beta/models/gemini-3.5-flash-nothinking:generateContent', { contents });
    expect(native.status).toBe(200);
    const tokens = await post('/v1beta/models/gemini-3.5-flash:countTokens', { contents });
    expect(tokens.status).toBe(200);
    expect(upstreamModels()).toEqual(['gemini-3-flash', 'gemini-3-flash', 'models/gemini-3-flash']);
  });

  it('serves Gemini CLI 0.61\'s router model gemini-3.5-flash-lite under its own name', async () => {
    const response = await post('/v1beta/models/gemini-3.5-flash-lite:generateContent', { contents });
    expect(response.status).toBe(200);
    expect(upstreamModels()).toEqual(['gemini-3.5-flash-lite']);
  });

  it('forwards an unlisted gemini-* name on the Gemini route; Google\'s 404 comes back as it is, streamed or not', async () => {
    const plain = await post('/v1beta/models/gemini-9.1-flash:generateContent', { contents });
    expect(plain.status).toBe(404);
    expect(await plain.json()).toEqual(googleNotFound);
    const streamed = await post('/v1beta/models/gemini-9.1-flash:streamGenerateContent?alt=sse', { contents });
    expect(streamed.status).toBe(404);
    expect(await streamed.json()).toEqual(googleNotFound);
    expect(upstreamModels()).toEqual(['gemini-9.1-flash', 'gemini-9.1-flash']);
  });

  it('forwards a name Google serves but the catalog does not list (any well-formed name on the Gemini route)', async () => {
    emulator.addModel('gemma-4-31b-it');
    const response = await post('/v1beta/models/gemma-4-31b-it:generateContent', { contents });
    expect(response.status).toBe(200);
    expect(upstreamModels()).toEqual(['gemma-4-31b-it']);
  });

  it('forwards unlisted gemini-* names on the OpenAI route too, and refuses other names itself', async () => {
    const forwarded = await client.chat.completions.create({ model: 'gemini-9.1-flash', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(forwarded).toBeInstanceOf(OpenAI.NotFoundError);
    expect((forwarded as InstanceType<typeof OpenAI.NotFoundError>).message).toContain('Requested entity was not found.');
    const refused = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(OpenAI.NotFoundError);
    expect((refused as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect(upstreamModels()).toEqual(['gemini-9.1-flash']);
  });

  it('still lists only the names it knows, with their variants', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['gemini-3.5-flash', 'gemini-3.5-flash-lite-search', 'gemini-3.8-flash-maxthinking']));
    expect(ids).not.toContain('gemini-9.1-flash');
    expect((await fetch(`${gateway.url}/v1beta/models/gemini-9.1-flash`, { headers: { 'x-goog-api-key': TEST_CLIENT_KEY } })).status).toBe(404);
  });
});
