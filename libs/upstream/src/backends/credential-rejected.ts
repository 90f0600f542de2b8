import { GatewayError } from '@app/common';
import type { BackendName, GoogleCredential } from '@app/auth';
import type { GoogleFailure } from '../upstream-reply';

/**
 * Google refused the credential itself (an API key that is not valid, a service account without
 * the permission): every call on it would fail the same way, so it is disabled with this reason.
 * The message names the credential's label, never its key.
 */
export class CredentialRejectedError extends GatewayError {
  constructor(readonly credentialLabel: string, readonly backend: BackendName, readonly reason: string, googleMessage: string) {
    super(`Google rejected credential "${credentialLabel}" (${backend}, ${reason}): ${googleMessage} The credential is disabled; fix it in GEMINI_CREDENTIALS and restart.`, {
      httpStatus: 503, googleStatus: 'UNAVAILABLE', openaiType: 'api_error', openaiCode: 'upstream_credential_rejected',
    });
  }
}

/** Reasons by which Google says an API key itself is unusable. */
const KEY_REJECTIONS = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED', 'API_KEY_SERVICE_BLOCKED', 'API_KEY_IP_ADDRESS_BLOCKED', 'API_KEY_HTTP_REFERRER_BLOCKED', 'API_KEY_ANDROID_APP_BLOCKED', 'API_KEY_IOS_APP_BLOCKED']);
/** A 403 about what the request names (an uploaded file, a cache, a tuned model), not about the credential. */
const REQUEST_RESOURCE = /\b(File|files\/|cachedContents?|tunedModels?)\b/;

/**
 * For the public APIs (Gemini API, Vertex AI): is this error Google refusing the credential?
 * API_KEY_INVALID (a 400) and PERMISSION_DENIED about the credential or its project disable it;
 * a 403 about a resource the request names stays the request's.
 */
export function rejectionOf(failure: GoogleFailure, credential: GoogleCredential, backend: BackendName): CredentialRejectedError | undefined {
  const reason = failure.classified.reason;
  const { payload } = failure;
  const rejected = (reason !== undefined && KEY_REJECTIONS.has(reason))
    || failure.classified.errorClass === 'permission'
    || (payload.code === 403 && payload.status === 'PERMISSION_DENIED' && !REQUEST_RESOURCE.test(payload.message) && reason !== 'IAM_PERMISSION_DENIED');
  return rejected ? new CredentialRejectedError(credential.label, backend, reason ?? payload.status, redactKeys(payload.message)) : undefined;
}

/** Google's messages do not echo keys today; make sure one never would (AIza… keys). */
function redactKeys(message: string): string {
  return message.replace(/AIza[0-9A-Za-z_-]{20,}/g, '[key]');
}
