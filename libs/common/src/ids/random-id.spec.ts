import { randomId, randomIdBytes } from './random-id';

describe('randomId', () => {
  it('has the asked length in either encoding', () => {
    expect(randomId(12)).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(randomId(24, 'hex')).toMatch(/^[0-9a-f]{48}$/);
  });

  it('never repeats across pool refills, and never hands out the same bytes twice', () => {
    const seen = new Set<string>();
    for (let index = 0; index < 5_000; index += 1) seen.add(randomId(12)); // ~15 refills of the 4 KiB pool
    expect(seen.size).toBe(5_000);
  });

  it('spreads bytes evenly (no zero-filled pool)', () => {
    const counts = new Array<number>(256).fill(0);
    for (let index = 0; index < 2_000; index += 1) for (const byte of randomIdBytes(16)) counts[byte] += 1;
    // 32,000 bytes over 256 values: 125 each on average; a stuck or zeroed pool would be far off.
    expect(Math.min(...counts)).toBeGreaterThan(60);
    expect(Math.max(...counts)).toBeLessThan(200);
  });

  it('serves large requests directly', () => {
    expect(randomIdBytes(4096)).toHaveLength(4096);
  });
});
