/**
 * Tool-call ids carry Gemini's thoughtSignature to the client and back, so the gateway keeps no
 * server state: `<base>` alone when there is no signature, else `<base>.<marker>.<payload>`.
 *
 * - `.ts.`: the signature is canonical standard base64 (what Gemini sends); it is transliterated to
 *   base64url (`+`→`-`, `/`→`_`) with the `=` padding dropped: same length as the signature, and
 *   the id stays URL-safe and free of characters clients may mangle.
 * - `.tsu.`: any other string, carried as base64url of its UTF-8 bytes (lossless fallback).
 *
 * base64url never contains `.`, so the last `.ts.`/`.tsu.` in an id starts the payload; a base id
 * with dots of its own decodes correctly as long as it does not itself end in such a suffix.
 */

export interface DecodedToolCallId {
  /** The id without the signature suffix (sent upstream as functionCall.id / functionResponse.id). */
  baseId: string;
  thoughtSignature?: string;
}

const SUFFIX_PATTERN = /^(.+)\.(ts|tsu)\.([A-Za-z0-9_-]+)$/s;
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function encodeToolCallId(baseId: string, thoughtSignature?: string): string {
  if (thoughtSignature === undefined || thoughtSignature === '') return baseId;
  if (CANONICAL_BASE64.test(thoughtSignature)) {
    return `${baseId}.ts.${thoughtSignature.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
  }
  return `${baseId}.tsu.${Buffer.from(thoughtSignature, 'utf8').toString('base64url')}`;
}

export function decodeToolCallId(id: string): DecodedToolCallId {
  const match = SUFFIX_PATTERN.exec(id);
  if (!match) return { baseId: id };
  const [, baseId, marker, payload] = match;
  if (marker === 'tsu') return { baseId, thoughtSignature: Buffer.from(payload, 'base64url').toString('utf8') };
  if (payload.length % 4 === 1) return { baseId: id }; // cannot be base64 of anything: not ours
  const standard = payload.replace(/-/g, '+').replace(/_/g, '/');
  return { baseId, thoughtSignature: standard.padEnd(Math.ceil(standard.length / 4) * 4, '=') };
}
