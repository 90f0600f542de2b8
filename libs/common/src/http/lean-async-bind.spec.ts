import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { installLeanAsyncResourceBind, restoreAsyncResourceBind } from './lean-async-bind';

describe('installLeanAsyncResourceBind', () => {
  afterEach(() => restoreAsyncResourceBind());

  it('drops the deprecated accessor that made bind slow on this Node', () => {
    const before = new AsyncResource('t').bind(() => 1);
    const hadAccessor = Object.getOwnPropertyDescriptor(before, 'asyncResource')?.get !== undefined;
    expect(installLeanAsyncResourceBind()).toBe(hadAccessor);
    const after = new AsyncResource('t').bind(() => 1);
    expect(Object.getOwnPropertyDescriptor(after, 'asyncResource')).toBeUndefined();
  });

  it('runs the bound function in the async context it was bound in, with the caller\'s this and arguments', async () => {
    installLeanAsyncResourceBind();
    const storage = new AsyncLocalStorage<string>();
    const seen: unknown[] = [];
    function probe(this: unknown, a: number, b: number): number {
      seen.push(storage.getStore(), this, a, b);
      return a + b;
    }
    const bound = storage.run('bound here', () => AsyncResource.bind(probe));
    const receiver = { name: 'receiver' };
    const result = await storage.run('called from elsewhere', () => new Promise((resolve) => setImmediate(() => resolve(bound.call(receiver, 2, 3)))));
    expect(result).toBe(5);
    expect(seen).toEqual(['bound here', receiver, 2, 3]);
    expect(bound.length).toBe(2);
  });

  it('honours thisArg and keeps Node\'s error for a non-function', () => {
    installLeanAsyncResourceBind();
    const target = { value: 7 };
    const bind = AsyncResource.prototype.bind as unknown as (this: AsyncResource, fn: () => unknown, thisArg: unknown) => () => unknown;
    const bound = bind.call(new AsyncResource('t'), function (this: { value: number }) {
      return this.value;
    }, target);
    expect(bound()).toBe(7);
    expect(() => new AsyncResource('t').bind('nope' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('is idempotent and can be undone', () => {
    const nodeBind = AsyncResource.prototype.bind;
    installLeanAsyncResourceBind();
    const lean = AsyncResource.prototype.bind;
    installLeanAsyncResourceBind();
    expect(AsyncResource.prototype.bind).toBe(lean);
    restoreAsyncResourceBind();
    expect(AsyncResource.prototype.bind).toBe(nodeBind);
  });
});
