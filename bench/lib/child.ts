import { fork, type ChildProcess } from 'node:child_process';
import { track } from './cleanup';

/** A forked bench worker with request/response messages matched by id. */
export class WorkerChild<Ready = Record<string, unknown>> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly listeners: Array<(message: Record<string, unknown>) => void> = [];
  readonly exited: Promise<void>;

  private constructor(readonly child: ChildProcess, readonly ready: Ready) {
    child.on('message', (message: Record<string, unknown>) => {
      if (typeof message.id === 'number' && ('value' in message || 'result' in message || 'error' in message)) {
        const waiter = this.pending.get(message.id);
        if (!waiter) return;
        this.pending.delete(message.id);
        if (typeof message.error === 'string') waiter.reject(new Error(message.error));
        else waiter.resolve('result' in message ? message.result : message.value);
        return;
      }
      for (const listener of this.listeners) listener(message);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`bench worker ${child.pid} exited`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static async start<Ready>(modulePath: string, options: { timeoutMs?: number } = {}): Promise<WorkerChild<Ready>> {
    const child = fork(modulePath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    track(child);
    const ready = await new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${modulePath} did not start in time`)), options.timeoutMs ?? 15_000);
      child.once('exit', (code) => reject(new Error(`${modulePath} exited with ${code} before it was ready`)));
      child.on('message', function onMessage(message: Record<string, unknown>) {
        if (message.event !== 'ready') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message as Ready);
      });
    });
    return new WorkerChild<Ready>(child, ready);
  }

  /** Sends `{id, ...payload}` and resolves with the worker's answer. */
  call<T>(payload: Record<string, unknown>): Promise<T> {
    const id = this.nextId;
    this.nextId += 1;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, ...payload });
    });
  }

  onEvent(listener: (message: Record<string, unknown>) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(killer);
  }
}
