import { UpstreamBadResponseError } from '@app/common';
import { readJsonEvents } from './sse-reader';

async function collect(chunks: string[], maxEventChars?: number): Promise<{ events: unknown[]; malformed: number; error?: unknown }> {
  const events: unknown[] = [];
  let malformed = 0;
  async function* body() {
    for (const chunk of chunks) yield Buffer.from(chunk);
  }
  try {
    for await (const event of readJsonEvents(body(), { maxEventChars, onMalformed: () => (malformed += 1) })) events.push(event);
    return { events, malformed };
  } catch (error) {
    return { events, malformed, error };
  }
}

describe('readJsonEvents', () => {
  it.each<[string, string[], { events: unknown[]; malformed: number }]>([
    ['events split across chunks', ['data: {"a"', ':1}\n\ndata: {"b":2}\n\n'], { events: [{ a: 1 }, { b: 2 }], malformed: 0 }],
    ['multi-line data is joined', ['data: {"a":\ndata: 1}\n\n'], { events: [{ a: 1 }], malformed: 0 }],
    ['non-JSON, null and arrays are dropped and reported', ['data: nope\n\ndata: null\n\ndata: [1]\n\ndata: {"ok":true}\n\n'], { events: [{ ok: true }], malformed: 3 }],
    ['a last event without its blank line is flushed', ['data: {"a":1}\n'], { events: [{ a: 1 }], malformed: 0 }],
  ])('%s', async (_name, chunks, expected) => {
    expect(await collect(chunks)).toEqual(expected);
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
});
