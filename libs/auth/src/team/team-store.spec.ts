import { describeTeamStoreContract } from '../../../../test/contracts/team-store.contract';
import { MemoryTeamStore } from './team-store';
import { daysBetween, utcDay } from './key-limits';

describeTeamStoreContract('memory', async () => ({ store: new MemoryTeamStore(), close: async () => undefined }));

describe('UTC days', () => {
  it('lists every day of a range, inclusive, across a month end', () => {
    expect(daysBetween('2026-11-29', '2026-12-02')).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
    expect(utcDay(Date.parse('2026-12-04T23:59:59Z'))).toBe('2026-12-04');
  });
});
