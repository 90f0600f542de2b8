import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'enc1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals secrets (access tokens) before they go to shared state, with AES-256-GCM and the key from
 * SHARED_STATE_ENCRYPTION_KEY. Each value is bound to the shared-state key it is stored under
 * (additional authenticated data), so a sealed token cannot be replayed under another name.
 * Without a key it passes text through, and it never opens a sealed value it cannot verify:
 * a replica with another key (or none) sees "absent" and refreshes, it does not fail.
 */
export class SecretBox {
  constructor(private readonly key: Buffer | undefined) {
    if (key && key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
  }

  get encrypting(): boolean {
    return this.key !== undefined;
  }

  seal(plain: string, name: string): string {
    if (!this.key) return plain;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64')}`;
  }

  /** The plain text, or undefined when the value is sealed with another key, tampered with, or (with a key) not sealed at all. */
  open(stored: string | undefined, name: string): string | undefined {
    if (stored === undefined) return undefined;
    if (!stored.startsWith(PREFIX)) return this.key ? undefined : stored;
    if (!this.key) return undefined;
    const bytes = Buffer.from(stored.slice(PREFIX.length), 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(name, 'utf8'));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
