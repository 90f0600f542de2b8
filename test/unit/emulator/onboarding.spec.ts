import { startEmulator, type GoogleEmulator } from '../../support/emulator';
import { envelope, rpc } from './helpers';

const METADATA = { ideType: 'IDE_UNSPECIFIED', platform: 'PLATFORM_UNSPECIFIED', pluginType: 'GEMINI' };

describe('emulator Code Assist onboarding and auxiliary RPCs', () => {
  let emulator: GoogleEmulator;

  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.close());

  function account(refreshToken: string, options: Omit<Parameters<GoogleEmulator['addAccount']>[0], 'refreshToken'> = {}): string {
    emulator.addAccount({ refreshToken, ...options });
    return emulator.issueAccessToken(refreshToken);
  }

  async function call(token: string, method: string, body: unknown): Promise<{ status: number; body: any }> {
    const response = await rpc(emulator, token, method, body);
    return { status: response.status, body: await response.json() };
  }

  it('answers 401 UNAUTHENTICATED with WWW-Authenticate for missing or bad tokens', async () => {
    for (const token of [undefined, 'ya29.bogus']) {
      const response = await rpc(emulator, token, 'loadCodeAssist', { metadata: METADATA });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await response.json()).toEqual({ error: { code: 401, message: expect.stringMatching(/authentication credential/), status: 'UNAUTHENTICATED' } });
    }
  });

  it('onboarded: currentTier free-tier and the project', async () => {
    const token = account('rt-1', { projectId: 'core-gravity-1' });
    const { status, body } = await call(token, 'loadCodeAssist', { metadata: METADATA });
    expect(status).toBe(200);
    expect(body.currentTier).toMatchObject({ id: 'free-tier', isDefault: true });
    expect(body.cloudaicompanionProject).toBe('core-gravity-1');
    expect(body.allowedTiers.map((tier: { id: string }) => tier.id)).toEqual(['free-tier', 'standard-tier']);
    expect(emulator.counters().loadCodeAssistCalls).toBe(1);
    expect(emulator.requests[0]).toMatchObject({ method: 'loadCodeAssist', accountRefreshToken: 'rt-1', status: 200, body: { metadata: METADATA } });
  });

  it('new: only allowedTiers, then the onboardUser LRO with polling until done', async () => {
    const token = account('rt-new', { onboarding: 'new', pendingOperationPolls: 2 });
    const before = await call(token, 'loadCodeAssist', { metadata: METADATA });
    expect(before.body).not.toHaveProperty('currentTier');
    expect(before.body).not.toHaveProperty('cloudaicompanionProject');
    expect(before.body.allowedTiers.find((tier: { isDefault?: boolean }) => tier.isDefault).id).toBe('free-tier');

    const started = await call(token, 'onboardUser', { tierId: 'free-tier', metadata: METADATA });
    expect(started.body).toEqual({ name: expect.stringMatching(/^operations\//), done: false });
    const poll = async (): Promise<any> => {
      const response = await fetch(`${emulator.url}/v1internal/${started.body.name}`, { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
      expect(response.status).toBe(200);
      return response.json();
    };
    expect(await poll()).toMatchObject({ done: false });
    expect(emulator.accountProject('rt-new')).toBeUndefined();
    const done = await poll();
    expect(done).toMatchObject({ done: true, response: { cloudaicompanionProject: { id: 'emu-project-1' } } });
    expect(await poll()).toMatchObject({ done: true }); // stays done
    expect(emulator.counters()).toMatchObject({ onboardCalls: 1, operationPolls: 3 });
    expect(emulator.requests.filter((record) => record.method === 'getOperation')).toHaveLength(3);

    const after = await call(token, 'loadCodeAssist', { metadata: METADATA });
    expect(after.body).toMatchObject({ currentTier: { id: 'free-tier' }, cloudaicompanionProject: 'emu-project-1' });
  });

  it('new with no pending polls: onboardUser is done at once; a project for the free tier fails the precondition', async () => {
    const token = account('rt-new', { onboarding: 'new', projectId: 'p-new' });
    const withProject = await call(token, 'onboardUser', { tierId: 'free-tier', cloudaicompanionProject: 'p-new', metadata: METADATA });
    expect(withProject).toEqual({ status: 400, body: { error: { code: 400, message: 'Precondition check failed.', status: 'FAILED_PRECONDITION' } } });
    const ok = await call(token, 'onboardUser', { tierId: 'free-tier', metadata: METADATA });
    expect(ok.body).toMatchObject({ done: true, response: { cloudaicompanionProject: { id: 'p-new' } } });
    expect(emulator.accountProject('rt-new')).toBe('p-new');
  });

  it('project-required: standard-tier default, onboarded only when a project is named', async () => {
    const token = account('rt-std', { onboarding: 'project-required' });
    const load = await call(token, 'loadCodeAssist', { metadata: METADATA });
    expect(load.body.currentTier).toBeUndefined();
    expect(load.body.allowedTiers).toEqual([expect.objectContaining({ id: 'standard-tier', isDefault: true, userDefinedCloudaicompanionProject: true })]);

    const noProject = await call(token, 'onboardUser', { tierId: 'standard-tier', metadata: METADATA });
    expect(noProject.body).toMatchObject({ done: true, response: { cloudaicompanionProject: {} } });
    expect(emulator.accountProject('rt-std')).toBeUndefined();

    const free = await call(token, 'onboardUser', { tierId: 'free-tier', metadata: METADATA });
    expect(free.status).toBe(403);

    const named = await call(token, 'onboardUser', { tierId: 'standard-tier', cloudaicompanionProject: 'my-gcp-project', metadata: METADATA });
    expect(named.body.response.cloudaicompanionProject.id).toBe('my-gcp-project');
    const after = await call(token, 'loadCodeAssist', { cloudaicompanionProject: 'my-gcp-project', metadata: METADATA });
    expect(after.body).toMatchObject({ currentTier: { id: 'standard-tier' }, cloudaicompanionProject: 'my-gcp-project' });
  });

  it('ineligible and validation-required: ineligibleTiers with reason codes', async () => {
    const ineligible = await call(account('rt-x', { onboarding: 'ineligible' }), 'loadCodeAssist', { metadata: METADATA });
    expect(ineligible.body.ineligibleTiers).toEqual([expect.objectContaining({ reasonCode: 'UNSUPPORTED_LOCATION', tierId: 'free-tier', reasonMessage: expect.any(String) })]);
    expect(ineligible.body.currentTier).toBeUndefined();

    const validationToken = account('rt-v', { onboarding: 'validation-required' });
    const validation = await call(validationToken, 'loadCodeAssist', { metadata: METADATA });
    expect(validation.body.ineligibleTiers).toEqual([
      expect.objectContaining({ reasonCode: 'VALIDATION_REQUIRED', validationUrl: expect.stringMatching(/^https:\/\//) }),
    ]);
    const generate = await rpc(emulator, validationToken, 'generateContent', envelope('emu-project-2', 'hi'));
    expect(generate.status).toBe(403);
    expect(await generate.json()).toMatchObject({ error: { status: 'PERMISSION_DENIED', details: [expect.objectContaining({ reason: 'VALIDATION_REQUIRED' }), expect.anything()] } });

    emulator.setOnboarding('rt-v', 'onboarded');
    const fixed = await call(validationToken, 'loadCodeAssist', { metadata: METADATA });
    expect(fixed.body).toMatchObject({ currentTier: { id: 'free-tier' }, cloudaicompanionProject: 'emu-project-2' });
  });

  it('answers the auxiliary RPCs, countTokens, and 404 for unknown paths', async () => {
    const token = account('rt-1');
    expect(await call(token, 'listExperiments', { project: 'emu-project-1', metadata: {} })).toEqual({ status: 200, body: {} });
    expect(await call(token, 'recordCodeAssistMetrics', { project: 'emu-project-1', metrics: [] })).toEqual({ status: 200, body: {} });
    expect(await call(token, 'fetchAdminControls', { project: 'emu-project-1' })).toEqual({ status: 200, body: {} });
    const quota = await call(token, 'retrieveUserQuota', { project: 'emu-project-1' });
    expect(quota.body.buckets).toContainEqual(expect.objectContaining({ modelId: 'gemini-3-pro-preview', tokenType: 'REQUESTS' }));

    const count = await call(token, 'countTokens', { request: { model: 'models/gemini-2.5-pro', contents: [{ role: 'user', parts: [{ text: 'hello' }] }] } });
    expect(count).toEqual({ status: 200, body: { totalTokens: 2 } });
    const unknownModel = await call(token, 'countTokens', { request: { model: 'models/gemini-0', contents: [{ role: 'user', parts: [{ text: 'x' }] }] } });
    expect(unknownModel.status).toBe(404);

    const unknownRpc = await call(token, 'embedContent', {});
    expect(unknownRpc).toEqual({ status: 404, body: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } } });
    const unknownPath = await fetch(`${emulator.url}/v1beta/models`);
    expect(unknownPath.status).toBe(404);
    expect(((await unknownPath.json()) as { error: { status: string } }).error.status).toBe('NOT_FOUND');
  });
});
