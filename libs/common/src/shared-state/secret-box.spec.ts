import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const key = Buffer.alloc(32, 1);
  const box = new SecretBox(key);

  it('seals so the plain text is not in the stored value, and opens it back', () => {
    const sealed = box.seal('ya29.secret-token', 'token:a');
    expect(sealed).not.toContain('ya29');
    expect(sealed.startsWith('enc1:')).toBe(true);
    expect(box.open(sealed, 'token:a')).toBe('ya29.secret-token');
    expect(box.seal('same', 'token:a')).not.toBe(box.seal('same', 'token:a'));
  });

  it('refuses a value moved to another name, sealed with another key, tampered with, or left plain', () => {
    const sealed = box.seal('ya29.secret-token', 'token:a');
    expect(box.open(sealed, 'token:b')).toBeUndefined();
    expect(new SecretBox(Buffer.alloc(32, 2)).open(sealed, 'token:a')).toBeUndefined();
    const bytes = Buffer.from(sealed.slice(5), 'base64');
    bytes[bytes.length - 1] ^= 1;
    expect(box.open(`enc1:${bytes.toString('base64')}`, 'token:a')).toBeUndefined();
    expect(box.open('{"accessToken":"plain"}', 'token:a')).toBeUndefined();
    expect(box.open('enc1:AA', 'token:a')).toBeUndefined();
  });

  it('passes text through without a key, and does not open sealed values then', () => {
    const plain = new SecretBox(undefined);
    expect(plain.seal('x', 'token:a')).toBe('x');
    expect(plain.open('x', 'token:a')).toBe('x');
    expect(plain.open(box.seal('x', 'token:a'), 'token:a')).toBeUndefined();
  });
});
