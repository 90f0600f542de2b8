import type { TeamStore } from '@app/auth';

/**
 * The behaviour every TeamStore adapter must have (memory: unit tests; Redis: integration tests).
 * `now` is passed in, so windows are exact.
 */
export function describeTeamStoreContract(name: string, create: () => Promise<{ store: TeamStore; close(): Promise<void> }>): void {
  describe(`TeamStore contract: ${name}`, () => {
    let store: TeamStore;
    let close: () => Promise<void>;
    let counter = 0;
    const key = () => `key-${name}-${(counter += 1)}`;
    const base = { day: '2026-12-04', leaseTtlMs: 60_000 };

    beforeEach(async () => {
      ({ store, close } = await create());
    });

    afterEach(async () => {
      await close();
    });

    it('accepts exactly requestsPerMinute in any 60 s and frees the window as it rolls', async () => {
      const name = key();
      const verdicts = [];
      for (let index = 0; index < 5; index += 1) verdicts.push((await store.admit({ ...base, key: name, lease: `l${index}`, now: 1_000 + index, requestsPerMinute: 3 })).verdict);
      expect(verdicts).toEqual(['ok', 'ok', 'ok', 'requests', 'requests']);
      const refused = await store.admit({ ...base, key: name, lease: 'x', now: 2_000, requestsPerMinute: 3 });
      expect(refused.windowFreesAt).toBe(61_000);
      expect((await store.admit({ ...base, key: name, lease: 'y', now: 61_001, requestsPerMinute: 3 })).verdict).toBe('ok');
    });

    it('holds maxConcurrent until a lease is settled, and drops leases nobody refreshed', async () => {
      const name = key();
      const admit = (lease: string, now: number) => store.admit({ ...base, key: name, lease, now, maxConcurrent: 2, leaseTtlMs: 1_000 });
      expect((await admit('a', 0)).verdict).toBe('ok');
      expect((await admit('b', 0)).verdict).toBe('ok');
      expect((await admit('c', 10)).verdict).toBe('concurrency');
      await store.settle({ key: name, model: 'm', day: base.day, lease: 'a', requests: 1, promptTokens: 0, completionTokens: 0, reasoningTokens: 0, errors: 0, chargeTokens: 0, retentionMs: 60_000 });
      expect((await admit('c', 20)).verdict).toBe('ok');
      await store.refreshLeases(name, ['c'], 5_000);
      // 'b' lapsed at 1 000 (its replica died); 'c' was refreshed until 5 000.
      expect((await admit('d', 2_000)).verdict).toBe('ok');
      expect((await admit('e', 2_000)).verdict).toBe('concurrency');
    });

    it('refuses once the daily token budget is used up, not before', async () => {
      const name = key();
      const admit = () => store.admit({ ...base, key: name, lease: `t${(counter += 1)}`, now: 5, tokensPerDay: 100 });
      expect((await admit()).verdict).toBe('ok');
      await store.settle({ key: name, model: 'm', day: base.day, requests: 1, promptTokens: 60, completionTokens: 39, reasoningTokens: 0, errors: 0, chargeTokens: 99, retentionMs: 60_000 });
      expect((await admit()).verdict).toBe('ok');
      await store.settle({ key: name, model: 'm', day: base.day, requests: 1, promptTokens: 1, completionTokens: 0, reasoningTokens: 0, errors: 0, chargeTokens: 1, retentionMs: 60_000 });
      const refused = await admit();
      expect(refused).toMatchObject({ verdict: 'tokens', tokensUsed: 100 });
      expect((await store.admit({ ...base, day: '2026-12-05', key: name, lease: 'next-day', now: 5, tokensPerDay: 100 })).verdict).toBe('ok');
    });

    it('sums usage per key × model × day', async () => {
      const name = key();
      const row = { key: name, requests: 1, promptTokens: 10, completionTokens: 5, reasoningTokens: 2, errors: 0, chargeTokens: 15, retentionMs: 60_000 };
      await store.settle({ ...row, model: 'gemini-2.5-flash', day: '2026-12-03' });
      await store.settle({ ...row, model: 'gemini-2.5-flash', day: '2026-12-04' });
      await store.settle({ ...row, model: 'gemini-2.5-flash', day: '2026-12-04', errors: 1, requests: 0, promptTokens: 0, completionTokens: 0, reasoningTokens: 0 });
      await store.settle({ ...row, model: 'gemini-2.5-pro', day: '2026-12-04' });
      const rows = await store.usage(['2026-12-04'], name);
      expect(rows.sort((a, b) => a.model.localeCompare(b.model))).toEqual([
        { key: name, model: 'gemini-2.5-flash', date: '2026-12-04', requests: 1, promptTokens: 10, completionTokens: 5, reasoningTokens: 2, errors: 1 },
        { key: name, model: 'gemini-2.5-pro', date: '2026-12-04', requests: 1, promptTokens: 10, completionTokens: 5, reasoningTokens: 2, errors: 0 },
      ]);
      expect((await store.usage(['2026-12-03', '2026-12-04'])).filter((entry) => entry.key === name)).toHaveLength(3);
    });
  });
}
