import { GoogleUnauthenticatedError, UpstreamError } from '@app/common';
import { parseCredential } from '@app/auth';
import { CodeAssistHttpTwin, googleError, type ScriptedReply } from './__fixtures__/twins';
import { TokenRetry } from './token-retry';

const unauthenticated = googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
const ok: ScriptedReply = { status: 200, body: { response: {} } };

describe('TokenRetry: 401 → refresh once → retry once', () => {
  it.each<[string, ScriptedReply[], { calls: number; refreshes: number; retries: number; error?: unknown }]>([
    ['200 at once', [ok], { calls: 1, refreshes: 0, retries: 0 }],
    ['401 then 200', [unauthenticated, ok], { calls: 2, refreshes: 1, retries: 1 }],
    ['401 twice: Google\'s answer, no third call', [unauthenticated, unauthenticated, ok], { calls: 2, refreshes: 1, retries: 1, error: GoogleUnauthenticatedError }],
    ['429 is not refreshed', [googleError(429, 'RESOURCE_EXHAUSTED', 'x'), ok], { calls: 1, refreshes: 0, retries: 0, error: UpstreamError }],
    ['401 then 500', [unauthenticated, googleError(500, 'INTERNAL', 'x')], { calls: 2, refreshes: 1, retries: 1, error: UpstreamError }],
  ])('%s', async (_name, replies, expected) => {
    const http = new CodeAssistHttpTwin();
    http.script = (_account, _method, index) => replies[index];
    const replacing: Array<string | undefined> = [];
    const tokens = { getAccessToken: async (_credential: unknown, options: { replacing?: string } = {}) => (replacing.push(options.replacing), `token-a-${replacing.length}`) };
    let retries = 0;
    const googleErrors: number[] = [];
    const retry = new TokenRetry(http, tokens as never, { onRefreshRetry: () => (retries += 1), onGoogleError: (failure) => googleErrors.push(failure.payload.code) });
    const credential = parseCredential({ refresh_token: 'rt-a', label: 'a' }, 'test', 'a');
    const outcome = await retry.send(credential, { method: 'generateContent', body: {} }).catch((caught: unknown) => caught);
    expect(http.calls).toHaveLength(expected.calls);
    expect(replacing.filter(Boolean)).toHaveLength(expected.refreshes);
    expect(retries).toBe(expected.retries);
    if (expected.error) {
      expect(outcome).toBeInstanceOf(expected.error);
      expect(googleErrors).toHaveLength(1);
    } else expect(outcome).toMatchObject({ status: 200 });
  });
});
