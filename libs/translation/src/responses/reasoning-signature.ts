/**
 * Gemini's thoughtSignature travels to a Responses client and back without server state, two ways:
 * - in the call id (`call_id` of function_call / custom_tool_call items), exactly as the Chat
 *   Completions route does it (../openai/tool-call-id.ts);
 * - inside a `reasoning` item's `encrypted_content` when the client asked for
 *   `include: ["reasoning.encrypted_content"]` (Codex does, with `store: false`).
 * The encrypted_content is `gc2a.v1.` + base64url(signature): opaque to the client, recognisable
 * here, and foreign values (from another provider) are ignored rather than forwarded to Google.
 */
const PREFIX = 'gc2a.v1.';

export const ENCRYPTED_REASONING_INCLUDE = 'reasoning.encrypted_content';

export function encodeReasoningSignature(thoughtSignature: string): string {
  return `${PREFIX}${Buffer.from(thoughtSignature, 'utf8').toString('base64url')}`;
}

/** The signature an encrypted_content carries, or undefined when it is not ours. */
export function decodeReasoningSignature(encrypted: string | null | undefined): string | undefined {
  if (typeof encrypted !== 'string' || !encrypted.startsWith(PREFIX)) return undefined;
  const payload = encrypted.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) return undefined;
  const signature = Buffer.from(payload, 'base64url').toString('utf8');
  return signature === '' ? undefined : signature;
}
