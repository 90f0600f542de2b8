import { sharedTimerCount, tickEvery } from './shared-ticker';

describe('tickEvery', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs every task of one period on one timer, and stops the timer with the last task', () => {
    const before = sharedTimerCount();
    const seen: string[] = [];
    const stops = ['a', 'b', 'c'].map((name) => tickEvery(100, { tick: () => void seen.push(name) }));
    expect(sharedTimerCount()).toBe(before + 1);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(250);
    expect(seen).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    stops[1]();
    stops[1](); // idempotent
    jest.advanceTimersByTime(100);
    expect(seen.slice(6)).toEqual(['a', 'c']);
    stops[0]();
    stops[2]();
    expect(jest.getTimerCount()).toBe(0);
    expect(sharedTimerCount()).toBe(before);
  });

  it('gives each period its own timer', () => {
    const stops = [tickEvery(100, { tick: () => undefined }), tickEvery(1_000, { tick: () => undefined })];
    expect(jest.getTimerCount()).toBe(2);
    stops.forEach((stop) => stop());
    expect(jest.getTimerCount()).toBe(0);
  });

  it('drops a task that throws and keeps ticking the others', () => {
    let good = 0;
    let bad = 0;
    const stopGood = tickEvery(100, { tick: () => void (good += 1) });
    tickEvery(100, { tick: () => { bad += 1; throw new Error('broken task'); } });
    jest.advanceTimersByTime(300);
    expect(good).toBe(3);
    expect(bad).toBe(1);
    stopGood();
    expect(jest.getTimerCount()).toBe(0);
  });
});
