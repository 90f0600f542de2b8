import { Writable } from 'node:stream';
import pino from 'pino';
import { censor, loggerOptions } from './logger';

describe('log redaction', () => {
  it('censors secret-bearing keys at any of the first levels, in objects and arrays', () => {
    const input = {
      msg: 'x',
      headers: { Authorization: 'Bearer sk-1', 'x-goog-api-key': 'k', 'x-api-key': 'sk-ant', accept: 'json' },
      anthropic: { system: 'You are…', model: 'claude' },
      credential: { refresh_token: 'r', label: 'team' },
      calls: [{ access_token: 'a', ok: 1 }],
      request: { contents: [{ parts: [{ text: 'prompt' }] }], model: 'm' },
    };
    expect(censor(input)).toEqual({
      msg: 'x',
      headers: { Authorization: '[redacted]', 'x-goog-api-key': '[redacted]', 'x-api-key': '[redacted]', accept: 'json' },
      anthropic: { system: '[redacted]', model: 'claude' },
      credential: { refresh_token: '[redacted]', label: 'team' },
      calls: [{ access_token: '[redacted]', ok: 1 }],
      request: { contents: '[redacted]', model: 'm' },
    });
  });

  it('copies only what it changes and never mutates the caller\'s object', () => {
    const clean = { a: { b: [1, 2] } };
    expect(censor(clean)).toBe(clean);
    const dirty = { a: { token: 't' }, b: { c: 1 } };
    const result = censor(dirty);
    expect(dirty.a.token).toBe('t');
    expect(result.b).toBe(dirty.b);
  });

  it('is what the gateway logger applies to every line', () => {
    const lines: string[] = [];
    const logger = pino(loggerOptions('info'), new Writable({ write(chunk, _encoding, callback) { lines.push(chunk.toString()); callback(); } }));
    logger.info({ headers: { authorization: 'Bearer secret-value' }, key: 'sk-secret' }, 'hello');
    expect(lines.join('')).not.toContain('secret');
    expect(lines.join('')).toContain('"msg":"hello"');
  });
});
