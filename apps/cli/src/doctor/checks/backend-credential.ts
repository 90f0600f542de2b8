import type { Dispatcher } from 'undici';
import { GatewayError, type GatewayConfig } from '@app/common';
import type { GoogleCredential } from '@app/auth';
import { CredentialRejectedError, GeminiApiBackend, GoogleAuthVertexTokens, UndiciPublicApiHttp, VertexBackend } from '@app/upstream';
import { describeNetworkError } from '../../net';

export interface BackendCredentialReport {
  state: 'valid' | 'rejected' | 'error' | 'unreachable';
  detail: string;
}

/** A model the credential may serve, for the check's countTokens (its first exact `models` entry). */
function modelFor(credential: GoogleCredential): string {
  return credential.models?.find((model) => !model.includes('*')) ?? 'gemini-2.5-flash';
}

/**
 * Checks an API key or a Vertex AI credential the way the gateway uses it: one countTokens through the
 * gateway's own adapter (costs no quota), so a key Google refuses or a service account without the
 * permission is named by label, never shown.
 */
export async function checkBackendCredential(credential: GoogleCredential, config: GatewayConfig, dispatcher: Dispatcher, timeoutMs: number): Promise<BackendCredentialReport> {
  const http = new UndiciPublicApiHttp(dispatcher);
  const backend = credential.backend === 'vertex'
    ? new VertexBackend(http, new GoogleAuthVertexTokens(config, dispatcher), config.google.vertexEndpoint)
    : new GeminiApiBackend(http, config.google.geminiApiEndpoint);
  const what = credential.backend === 'vertex' ? 'Vertex AI' : 'Gemini API key';
  try {
    const response = await backend.send(credential, { kind: 'countTokens', model: modelFor(credential), contents: [{ role: 'user', parts: [{ text: 'ping' }] }], signal: AbortSignal.timeout(timeoutMs) });
    await response.body.dump();
    return { state: 'valid', detail: `${what} works` };
  } catch (error) {
    if (error instanceof CredentialRejectedError) return { state: 'rejected', detail: `${what} refused (${error.reason})` };
    if (error instanceof GatewayError && error.httpStatus !== 503 && error.httpStatus !== 504) return { state: 'error', detail: `${what}: HTTP ${error.httpStatus}` };
    return { state: 'unreachable', detail: `${what} unreachable (${describeNetworkError(error instanceof Error && error.cause ? error.cause : error)})` };
  }
}
