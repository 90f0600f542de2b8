import { AsyncResource } from 'node:async_hooks';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a bound function takes whatever fn takes
type AnyFunction = (...args: any[]) => unknown;
type Bind = (this: AsyncResource, fn: AnyFunction, thisArg?: unknown) => AnyFunction;

let original: Bind | undefined;

/**
 * Node 20's `AsyncResource#bind` gives every bound function a deprecated `asyncResource` accessor
 * (DEP0172) made of two fresh `util.deprecate` wrappers. Fastify binds one function per request
 * that has a body (its content-type parser), so this accessor alone was 3% of the gateway's CPU at
 * c=64 (4.4% with the rest of bind) in `npm run bench -- --profile`. This installs the same bind
 * without that accessor: the bound function still runs `fn` in the resource's async scope with the
 * caller's `this` (or `thisArg`) and has `fn`'s length. Only installed where the running Node still
 * defines the accessor; idempotent; `restoreAsyncResourceBind` undoes it (tests).
 * See docs/decisions/0011-push-based-streams.md.
 */
export function installLeanAsyncResourceBind(): boolean {
  if (original) return true;
  const probe = new AsyncResource('geminicli2api.probe').bind(() => undefined);
  if (!Object.getOwnPropertyDescriptor(probe, 'asyncResource')?.get) return false;
  const nodeBind = AsyncResource.prototype.bind as unknown as Bind;
  const lean: Bind = function bind(this: AsyncResource, fn, thisArg) {
    // Node's own validation and error for a non-function.
    if (typeof fn !== 'function') return nodeBind.call(this, fn, thisArg);
    return leanBound(this, fn, thisArg);
  };
  Object.defineProperty(AsyncResource.prototype, 'bind', { value: lean, writable: true, configurable: true, enumerable: false });
  original = nodeBind;
  return true;
}

function leanBound(resource: AsyncResource, fn: AnyFunction, thisArg: unknown): AnyFunction {
  const bound =
    thisArg === undefined
      ? function (this: unknown, ...args: unknown[]): unknown {
          return resource.runInAsyncScope(fn, this, ...args);
        }
      : resource.runInAsyncScope.bind(resource, fn, thisArg);
  Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, writable: false, value: fn.length });
  return bound;
}

/** Puts Node's own bind back. */
export function restoreAsyncResourceBind(): void {
  if (!original) return;
  Object.defineProperty(AsyncResource.prototype, 'bind', { value: original, writable: true, configurable: true, enumerable: false });
  original = undefined;
}
