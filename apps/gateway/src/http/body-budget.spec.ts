import { EventEmitter } from 'node:events';
import { BodyBudget } from './body-budget';

const replyStub = () => {
  const raw = new EventEmitter();
  return { reply: { raw } as never, close: () => raw.emit('close') };
};

describe('BodyBudget', () => {
  it('always admits one request on an idle replica, whatever its size', async () => {
    const budget = new BodyBudget(10);
    expect(await budget.reserve(replyStub().reply, 1_000, 10)).toBeDefined();
  });

  it('makes a request that does not fit wait for a release, in arrival order', async () => {
    const budget = new BodyBudget(100);
    const first = replyStub();
    await budget.reserve(first.reply, 80, 10);
    const order: string[] = [];
    const second = budget.reserve(replyStub().reply, 50, 5_000).then((reservation) => { order.push('second'); return reservation; });
    const third = budget.reserve(replyStub().reply, 10, 5_000).then((reservation) => { order.push('third'); return reservation; });
    await new Promise((wake) => setTimeout(wake, 20));
    expect(order).toEqual([]);
    first.close();
    expect(await second).toBeDefined();
    expect(await third).toBeDefined();
    expect(order).toEqual(['second', 'third']);
    expect(budget.heldBytes).toBe(60);
  });

  it('gives up after the wait, and counts released bytes back', async () => {
    const budget = new BodyBudget(100);
    const holder = replyStub();
    await budget.reserve(holder.reply, 90, 10);
    expect(await budget.reserve(replyStub().reply, 50, 30)).toBeUndefined();
    holder.close();
    expect(budget.heldBytes).toBe(0);
  });

  it('lets a chunked body grow while it fits and refuses it beyond', async () => {
    const budget = new BodyBudget(100);
    await budget.reserve(replyStub().reply, 40, 10);
    const chunked = (await budget.reserve(replyStub().reply, 0, 10))!;
    expect(chunked.grow(50)).toBe(true);
    expect(chunked.grow(20)).toBe(false);
  });
});
