import { Logger } from '@nestjs/common';
import { MemorySharedState, ServiceUnavailableError, UpstreamError, type GatewayConfig } from '@app/common';
import { CredentialPool, CredentialStore, parseCredential, type AccessTokenService } from '@app/auth';
import { AccountSelection, type SelectionBudget } from './account-selection';

describe('AccountSelection: pick / wait for reset / no account', () => {
  const config = { pool: { maxConcurrentPerCredential: 0 } } as GatewayConfig;
  const credentials = ['a', 'b'].map((label) => parseCredential({ refresh_token: `rt-${label}`, label }, 'test', label));
  const budget: SelectionBudget = { attempt: 2, maxAttempts: 3, budgetLeftMs: 10_000, waitForResetMs: 2_000 };
  let pool: CredentialPool;
  let selection: AccountSelection;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    pool = new CredentialPool(new CredentialStore({ credentials, description: 'test' }), new MemorySharedState(), { isRevoked: () => false } as unknown as AccessTokenService, config);
    selection = new AccountSelection(pool);
  });
  const coolBoth = async (inMs: number, klass: 'rate_limited' | 'daily_quota' = 'rate_limited') => {
    for (const credential of credentials) await pool.coolDown(credential, 'm', { until: Date.now() + inMs, class: klass, message: `google says ${klass}` });
  };

  it.each<[string, () => Promise<void>, Partial<SelectionBudget>, string, Record<string, unknown> | undefined]>([
    ['an untried account', async () => undefined, {}, 'account', undefined],
    ['every account cooling, reset near: wait', () => coolBoth(500), {}, 'wait', undefined],
    ['reset near but out of attempts', () => coolBoth(500), { attempt: 4 }, 'none', { httpStatus: 429 }],
    ['reset near but beyond the budget left', () => coolBoth(500), { budgetLeftMs: 100 }, 'none', { httpStatus: 429 }],
    ['reset far: 429 with Retry-After and Google\'s reason', () => coolBoth(3_600_000, 'daily_quota'), {}, 'none', { httpStatus: 429, openaiCode: 'insufficient_quota', message: expect.stringContaining('google says daily_quota') }],
  ])('%s', async (_name, setup, override, kind, error) => {
    await setup();
    const next = selection.next('m', new Set(), { ...budget, ...override });
    expect(next.kind).toBe(kind);
    if (next.kind === 'wait') expect(next.waitMs).toBeGreaterThan(400);
    if (next.kind === 'none') expect(next.error).toMatchObject(error ?? {});
    if (next.kind === 'account') next.release();
  });

  it('skips accounts already tried in this request, then hands back the last error with the earliest reset', async () => {
    const tried = new Set(credentials.map((credential) => credential.id));
    const next = selection.next('m', tried, { ...budget, lastError: new ServiceUnavailableError('ours') });
    expect(next).toMatchObject({ kind: 'none', error: { message: 'ours' } });
    await coolBoth(90_000);
    const google = new UpstreamError({ code: 429, message: 'slow', status: 'RESOURCE_EXHAUSTED' }, { retryAfterSeconds: 1 });
    const withReset = selection.next('m', new Set(), { ...budget, lastError: google });
    expect(withReset.kind === 'none' && withReset.error.retryAfterSeconds).toBeGreaterThan(80);
  });

  it('without any account says there is none', () => {
    const empty = new AccountSelection(new CredentialPool(new CredentialStore({ credentials: [], description: 'none' }), new MemorySharedState(), { isRevoked: () => false } as unknown as AccessTokenService, config));
    const next = empty.next('m', new Set(), budget);
    expect(next).toMatchObject({ kind: 'none', error: { httpStatus: 503, openaiCode: 'no_usable_credential' } });
  });
});
