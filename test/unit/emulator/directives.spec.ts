import { emulateDirective, parseDirective } from '../../support/emulator';
import { lastUserText } from '../../support/emulator/prompt';
import { splitIntoChunks } from '../../support/emulator/responses';

describe('emulator prompt directives', () => {
  it('parses a directive with brackets and braces inside strings and arrays', () => {
    const behaviour = { kind: 'text' as const, chunks: ['a]b', '{c}', 'say "[emulate:" ok'] };
    const result = parseDirective(`before ${emulateDirective(behaviour)} after`);
    expect(result).toEqual({ found: true, ok: true, behaviour, textWithoutDirective: 'before after' });
  });

  it('reports bad directives instead of ignoring them', () => {
    expect(parseDirective('[emulate:{"kind":"text"')).toMatchObject({ found: true, ok: false, message: expect.stringMatching(/unterminated/) });
    expect(parseDirective('[emulate:nope]')).toMatchObject({ ok: false, message: expect.stringMatching(/JSON object/) });
    expect(parseDirective('[emulate:{"kind":"error","error":"boom"}]')).toMatchObject({ ok: false, message: expect.stringMatching(/unknown error "boom"/) });
    expect(parseDirective('[emulate:{"kind":"function-call"}]')).toMatchObject({ ok: false, message: expect.stringMatching(/calls/) });
    expect(parseDirective('no directive here')).toEqual({ found: false });
  });

  it('reads the last user turn, describing function responses when it has no text', () => {
    const contents = [
      { role: 'user', parts: [{ text: 'first' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }] },
    ];
    expect(lastUserText(contents)).toBe('get_weather returned {"temp":21}');
    expect(lastUserText([{ parts: [{ text: 'a' }, { text: 'b' }] }])).toBe('a\nb');
  });

  it('splits text into at most three chunks without breaking code points', () => {
    expect(splitIntoChunks('Echo: hi')).toEqual(['Ech', 'o: ', 'hi']);
    expect(splitIntoChunks('ab')).toEqual(['a', 'b']);
    expect(splitIntoChunks('😀😀😀😀').join('')).toBe('😀😀😀😀');
    expect(splitIntoChunks('😀😀😀😀').every((chunk) => !/[\uD800-\uDBFF]$/.test(chunk))).toBe(true);
  });
});
