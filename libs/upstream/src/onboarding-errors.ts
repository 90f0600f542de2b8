import { GatewayError } from '@app/common';

const base = { httpStatus: 403, googleStatus: 'PERMISSION_DENIED', openaiType: 'permission_error' } as const;

export class ProjectRequiredError extends GatewayError {
  constructor(label: string) {
    super(`Google account "${label}" needs a Google Cloud project for Gemini Code Assist: set GOOGLE_CLOUD_PROJECT (or project_id in the credential) to a project with the Gemini for Google Cloud API enabled.`, { ...base, openaiCode: 'google_project_required' });
  }
}

export class IneligibleTierError extends GatewayError {
  constructor(label: string, reasons: string[]) {
    super(`Google account "${label}" is not eligible for Gemini Code Assist: ${reasons.join(' ') || 'no reason given'} Set GOOGLE_CLOUD_PROJECT to a project with a Code Assist licence, or use another account.`, { ...base, openaiCode: 'google_tier_ineligible' });
  }
}

export class ValidationRequiredError extends GatewayError {
  constructor(label: string, readonly validationUrl?: string, details?: Array<Record<string, unknown>>) {
    super(`Google asks to verify account "${label}" before it can use Gemini Code Assist.${validationUrl ? ` Open ${validationUrl} while signed in to that account, then retry.` : ' Sign in with Gemini CLI once to complete the verification.'}`, { ...base, openaiCode: 'google_validation_required', details });
  }
}

export class OnboardingTimeoutError extends GatewayError {
  constructor(label: string, waitedMs: number) {
    super(`Onboarding Google account "${label}" to Gemini Code Assist did not finish within ${Math.round(waitedMs / 1000)} s (ONBOARDING_TIMEOUT_MS); the next request tries again.`, { httpStatus: 503, googleStatus: 'UNAVAILABLE', openaiType: 'api_error', openaiCode: 'google_onboarding_pending', retryAfterSeconds: 10 });
  }
}
