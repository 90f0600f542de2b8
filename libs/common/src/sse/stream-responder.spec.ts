import { EventEmitter } from 'node:events';
import { respondWithStream, type FrameSink, type FrameSource, type StreamPlan } from './stream-responder';
import { StreamResponseWriter } from './response-writer';

/** A ServerResponse stand-in: records writes; `full` makes write() report a full buffer. */
class FakeResponse extends EventEmitter {
  written: string[] = [];
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  writableNeedDrain = false;
  destroyed = false;
  full = false;
  failHead?: Error;
  writeHead(): void {
    if (this.failHead) throw this.failHead;
    this.headersSent = true;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.written.push(chunk);
    return !this.full;
  }
  end(chunk?: string): void {
    if (chunk) this.written.push(chunk);
    this.writableEnded = this.writableFinished = true;
    this.emit('finish');
    this.emit('close');
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

/** A source the test drives by hand. */
class ManualSource implements FrameSource {
  sink?: FrameSink;
  calls: string[] = [];
  start(sink: FrameSink): void {
    this.sink = sink;
    this.calls.push('start');
  }
  pause(): void {
    this.calls.push('pause');
  }
  resume(): void {
    this.calls.push('resume');
  }
  cancel(): void {
    this.calls.push('cancel');
  }
}

function plan(response: FakeResponse, source: ManualSource): StreamPlan {
  const writer = new StreamResponseWriter(response as never);
  return {
    reply: { hijack: () => undefined, raw: response } as never,
    writer,
    framing: 'sse',
    headers: { 'content-type': 'text/event-stream' },
    open: async () => source,
    failFrames: (error) => [{ kind: 'data', data: { error: error.message } }],
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('respondWithStream (push)', () => {
  it('writes each batch in one write and ends with the source', async () => {
    const response = new FakeResponse();
    const source = new ManualSource();
    const done = respondWithStream(plan(response, source));
    await tick();
    source.sink?.frames([{ kind: 'data', data: { a: 1 } }, { kind: 'data', data: { b: 2 } }]);
    source.sink?.end();
    await done;
    expect(response.written).toEqual(['data: {"a":1}\n\ndata: {"b":2}\n\n']);
    expect(response.writableEnded).toBe(true);
  });

  it('pauses the source while the socket is full and resumes it on drain, once per wait', async () => {
    const response = new FakeResponse();
    const source = new ManualSource();
    const done = respondWithStream(plan(response, source));
    await tick();
    response.full = true;
    source.sink?.frames([{ kind: 'data', data: 1 }]);
    source.sink?.frames([{ kind: 'data', data: 2 }]); // already read before the pause took effect
    expect(source.calls).toEqual(['start', 'pause']);
    response.full = false;
    response.emit('drain');
    expect(source.calls).toEqual(['start', 'pause', 'resume']);
    source.sink?.end();
    await done;
  });

  it('cancels the source when the client leaves, and ignores what it pushes after', async () => {
    const response = new FakeResponse();
    const source = new ManualSource();
    const done = respondWithStream(plan(response, source));
    await tick();
    response.destroy();
    await done;
    expect(source.calls).toEqual(['start', 'cancel']);
    source.sink?.frames([{ kind: 'data', data: 'late' }]);
    expect(response.written).toEqual([]);
  });

  it('ends with the dialect\'s failure frames when the source fails after the headers', async () => {
    const response = new FakeResponse();
    const source = new ManualSource();
    const done = respondWithStream(plan(response, source));
    await tick();
    source.sink?.error(new Error('upstream broke'));
    await done;
    expect(response.written.join('')).toContain('"error"');
    expect(response.writableEnded).toBe(true);
  });

  it('frees the upstream call when the headers cannot be written', async () => {
    const response = new FakeResponse();
    response.failHead = new TypeError('Invalid character in header content');
    const source = new ManualSource();
    await expect(respondWithStream(plan(response, source))).rejects.toThrow('Invalid character');
    expect(source.calls).toEqual(['cancel']);
    expect(response.destroyed).toBe(true);
  });
});
