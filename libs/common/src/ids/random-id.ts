import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `size` bytes from the operating system's CSPRNG, drawn from a 4 KiB pool refilled in one call
 * when it runs out (what crypto.randomUUID does internally). `randomBytes(12)` for every answer's
 * id was a getrandom() call and a buffer each: 2.9% of the gateway's CPU at c=64 in the profile.
 * The bytes are as unpredictable as randomBytes'; use it for identifiers (chat, message, response
 * and tool-call ids), not for key material.
 */
export function randomIdBytes(size: number): Buffer {
  if (size > POOL_BYTES / 4) return randomFillSync(Buffer.alloc(size));
  if (offset + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_BYTES));
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + size);
  offset += size;
  return bytes;
}

/** A random identifier of `size` bytes, base64url (default) or hex. */
export function randomId(size: number, encoding: 'base64url' | 'hex' = 'base64url'): string {
  return randomIdBytes(size).toString(encoding);
}
