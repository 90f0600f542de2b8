import { RequestEncodingError, UpstreamUnreachableError } from '@app/common';
import { encodeBody, translateTransportError } from './code-assist-http';

describe('encodeBody', () => {
  it('encodes a normal body', () => {
    expect(encodeBody({ a: [1] })).toBe('{"a":[1]}');
    expect(encodeBody(undefined)).toBeUndefined();
  });

  it.each<[string, () => unknown]>([
    ['nested too deep', () => {
      let deep: Record<string, unknown> = {};
      for (let depth = 0; depth < 50_000; depth += 1) deep = { d: deep };
      return deep;
    }],
    ['a cycle', () => {
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      return cycle;
    }],
    ['a BigInt', () => ({ n: BigInt(1) })],
  ])('refuses %s as the caller\'s 400, before anything is sent', (_name, build) => {
    const body = build();
    let thrown: unknown;
    try {
      encodeBody(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RequestEncodingError);
    expect((thrown as RequestEncodingError).httpStatus).toBe(400);
  });
});

describe('translateTransportError', () => {
  it('shows the error code, never the message (it may name internal hosts)', () => {
    const error = translateTransportError(Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:443'), { code: 'ECONNREFUSED' }), 'generateContent') as UpstreamUnreachableError;
    expect(error).toBeInstanceOf(UpstreamUnreachableError);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('10.1.2.3');
    const plain = translateTransportError(new Error('proxy at 10.9.9.9 said no'), 'generateContent') as UpstreamUnreachableError;
    expect(plain.message).not.toContain('10.9.9.9');
  });
});
