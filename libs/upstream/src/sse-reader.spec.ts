import { AsyncLocalStorage } from 'node:async_hooks';
import { PassThrough, Readable } from 'node:stream';
import { UpstreamBadResponseError, UpstreamUnreachableError } from '@app/common';
import { pumpJsonEvents, readJsonEvents } from './sse-reader';

function body(chunks: string[]): Readable {
  return Readable.from(chunks.map((chunk) => Buffer.from(chunk)), { objectMode: false });
}

async function collect(chunks: string[], maxEventChars?: number): Promise<{ events: unknown[]; malformed: number; error?: unknown }> {
  const events: unknown[] = [];
  let malformed = 0;
  try {
    for await (const event of readJsonEvents(body(chunks), { maxEventChars, onMalformed: () => (malformed += 1) })) events.push(event);
    return { events, malformed };
  } catch (error) {
    return { events, malformed, error };
  }
}

/** Runs the push reader over a body and records what the sink was told, in order. */
function pushed(source: Readable, options: { maxEventChars?: number; onEvent?: (value: unknown) => void } = {}) {
  const calls: Array<{ event?: unknown; end?: true; error?: unknown }> = [];
  let settle!: () => void;
  const done = new Promise<void>((resolve) => (settle = resolve));
  const pump = pumpJsonEvents(source, {
    event: (value) => {
      calls.push({ event: value });
      options.onEvent?.(value);
    },
    end: () => {
      calls.push({ end: true });
      settle();
    },
    error: (error) => {
      calls.push({ error });
      settle();
    },
  }, { maxEventChars: options.maxEventChars });
  return { calls, done, pump };
}

describe('readJsonEvents (the pull form)', () => {
  it.each<[string, string[], { events: unknown[]; malformed: number }]>([
    ['events split across chunks', ['data: {"a"', ':1}\n\ndata: {"b":2}\n\n'], { events: [{ a: 1 }, { b: 2 }], malformed: 0 }],
    ['multi-line data is joined', ['data: {"a":\ndata: 1}\n\n'], { events: [{ a: 1 }], malformed: 0 }],
    ['non-JSON, null and arrays are dropped and reported', ['data: nope\n\ndata: null\n\ndata: [1]\n\ndata: {"ok":true}\n\n'], { events: [{ ok: true }], malformed: 3 }],
    ['a last event without its blank line is flushed', ['data: {"a":1}\n'], { events: [{ a: 1 }], malformed: 0 }],
    ['a UTF-8 character split between two chunks', ['data: {"t":"\xe2', '\x82\xac"}\n\n'].map((text) => Buffer.from(text, 'latin1').toString('latin1')), { events: [{ t: '€' }], malformed: 0 }],
  ])('%s', async (_name, chunks, expected) => {
    const raw = chunks.map((chunk) => Buffer.from(chunk, 'latin1'));
    const events: unknown[] = [];
    let malformed = 0;
    for await (const event of readJsonEvents(Readable.from(raw), { onMalformed: () => (malformed += 1) })) events.push(event);
    expect({ events, malformed }).toEqual(expected);
  });

  it('fails with a 502 past the event size limit instead of buffering without bound', async () => {
    const line = 'x'.repeat(4096);
    const result = await collect(['data: {"a":1}\n\n', `data: "${line}`, line, line], 10_000);
    expect(result.events).toEqual([{ a: 1 }]);
    expect(result.error).toBeInstanceOf(UpstreamBadResponseError);
    expect((result.error as UpstreamBadResponseError).httpStatus).toBe(502);
  });

  it('accepts events up to the limit', async () => {
    const text = 'y'.repeat(9_000);
    expect((await collect([`data: {"t":"${text}"}\n\n`], 10_000)).events).toEqual([{ t: text }]);
  });

  it('destroys the body when the caller stops early', async () => {
    const source = new PassThrough();
    source.write('data: {"a":1}\n\ndata: {"b":2}\n\n');
    for await (const event of readJsonEvents(source)) {
      expect(event).toEqual({ a: 1 });
      break;
    }
    expect(source.destroyed).toBe(true);
  });
});

describe('pumpJsonEvents (the push form the gateway streams with)', () => {
  it('hands each event to the sink as its bytes arrive, then ends once', async () => {
    const source = new PassThrough();
    const { calls, done } = pushed(source);
    source.write('data: {"a":1}\n\ndata: {"b"');
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([{ event: { a: 1 } }]);
    source.end(':2}\n\n');
    await done;
    expect(calls).toEqual([{ event: { a: 1 } }, { event: { b: 2 } }, { end: true }]);
  });

  it('pause stops reading from the body until resume', async () => {
    const source = new PassThrough();
    const { calls, done, pump } = pushed(source);
    pump.pause();
    source.write('data: {"a":1}\n\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toEqual([]);
    pump.resume();
    source.end();
    await done;
    expect(calls).toEqual([{ event: { a: 1 } }, { end: true }]);
  });

  it('a dropped connection is an UpstreamUnreachableError after the events before it', async () => {
    const source = new PassThrough();
    const { calls, done } = pushed(source);
    source.write('data: {"a":1}\n\n');
    await new Promise((resolve) => setImmediate(resolve));
    source.destroy(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
    await done;
    expect(calls[0]).toEqual({ event: { a: 1 } });
    expect(calls[1]?.error).toBeInstanceOf(UpstreamUnreachableError);
    expect(calls).toHaveLength(2);
  });

  it('a body closed without its end is an error, not a silent success', async () => {
    const source = new PassThrough();
    const { calls, done } = pushed(source);
    source.destroy();
    await done;
    expect(calls).toHaveLength(1);
    expect(calls[0]?.error).toBeInstanceOf(UpstreamUnreachableError);
  });

  it('an oversized event fails the stream and destroys the body', async () => {
    const source = new PassThrough();
    const { calls, done } = pushed(source, { maxEventChars: 1_000 });
    source.write(`data: "${'z'.repeat(2_000)}`);
    await done;
    expect(calls).toHaveLength(1);
    expect(calls[0]?.error).toBeInstanceOf(UpstreamBadResponseError);
    expect(source.destroyed).toBe(true);
  });

  it('stop() ends it without another call to the sink, destroys the body and swallows a later error', async () => {
    const source = new PassThrough();
    const { calls, pump } = pushed(source);
    source.write('data: {"a":1}\n\n');
    await new Promise((resolve) => setImmediate(resolve));
    pump.stop();
    expect(source.destroyed).toBe(true);
    source.emit('error', new Error('late reset')); // would throw if nobody listened
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toEqual([{ event: { a: 1 } }]);
  });

  it('a sink that throws ends the stream with that error instead of escaping into the socket callback', async () => {
    const source = new PassThrough();
    const boom = new Error('encoder bug');
    const { calls, done } = pushed(source, { onEvent: () => { throw boom; } });
    source.write('data: {"a":1}\n\ndata: {"b":2}\n\n');
    await done;
    expect(calls).toEqual([{ event: { a: 1 } }, { error: boom }]);
    expect(source.destroyed).toBe(true);
  });

  it('calls the sink in the async context of whoever started it, not the socket\'s', async () => {
    const storage = new AsyncLocalStorage<string>();
    // The body is created (and its events scheduled) in another request's context, as a pooled socket is.
    const source = storage.run('the socket was opened for request A', () => new PassThrough());
    const seen: Array<string | undefined> = [];
    const done = new Promise<void>((resolve) => {
      storage.run('request B', () => {
        pumpJsonEvents(source, { event: () => seen.push(storage.getStore()), end: () => { seen.push(storage.getStore()); resolve(); }, error: resolve });
      });
    });
    storage.run('request A', () => source.end('data: {"a":1}\n\n'));
    await done;
    expect(seen).toEqual(['request B', 'request B']);
  });
});
