import { Logger } from '@nestjs/common';
import { MemorySharedState, type GatewayConfig } from '@app/common';
import { CredentialPool } from './credential-pool';
import { CredentialStore } from './credential-store';
import { parseCredential } from './google-credentials';
import type { AccessTokenService } from './access-token.service';

describe('CredentialPool', () => {
  const config = { pool: { maxConcurrentPerCredential: 0 } } as GatewayConfig;
  const credentials = ['a', 'b', 'c'].map((name) => parseCredential({ refresh_token: `rt-${name}`, label: name }, 'test', name));
  const tokens = { isRevoked: () => false } as unknown as AccessTokenService;
  let pool: CredentialPool;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    pool = new CredentialPool(new CredentialStore({ credentials, description: 'test' }), new MemorySharedState(), tokens, config);
  });

  const pickLabels = (count: number, model = 'm') => Array.from({ length: count }, () => {
    const pick = pool.pick(model);
    if (!pick.credential) return 'none';
    pick.release();
    return pick.credential.label;
  });

  it('spreads sequential calls over every account', () => {
    expect(new Set(pickLabels(6))).toEqual(new Set(['a', 'b', 'c']));
  });

  it('skips a cooling account until its cooldown ends, per model', async () => {
    await pool.coolDown(credentials[1], 'm', { until: Date.now() + 80, class: 'rate_limited', message: 'slow down' });
    expect(pickLabels(6)).not.toContain('b');
    expect(new Set(pickLabels(6, 'other-model'))).toContain('b');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pickLabels(6)).toContain('b');
  });

  it('prefers the least loaded account for its weight', () => {
    const held = [pool.pick('m'), pool.pick('m')];
    const next = pool.pick('m');
    expect(held.map((pick) => pick.credential?.label)).not.toContain(next.credential?.label);
  });

  it('says when the earliest account is usable again when all are cooling', async () => {
    const now = Date.now();
    await pool.coolDown(credentials[0], 'm', { until: now + 5_000, class: 'daily_quota', message: 'a' });
    await pool.coolDown(credentials[1], 'm', { until: now + 3_000, class: 'daily_quota', message: 'b' });
    await pool.coolDown(credentials[2], undefined, { until: now + 9_000, class: 'permission', message: 'c' });
    const pick = pool.pick('m');
    expect(pick.credential).toBeUndefined();
    if (!pick.credential) expect(pick.earliestResetMs).toBe(now + 3_000);
  });

  it('uses a soft-cooling account when it is the only one left', async () => {
    for (const credential of credentials) await pool.coolDown(credential, 'm', { until: Date.now() + 5_000, class: 'server', message: '5xx', soft: true });
    expect(pool.pick('m').credential).toBeDefined();
  });
});
