/**
 * Google emulator for tests and benchmarks: Google OAuth (token, tokeninfo, authorize, userinfo,
 * revoke), Code Assist `v1internal`, the public Gemini API with API keys (`addApiKey`), Vertex AI
 * with service-account JWT-bearer tokens (`addServiceAccount`) and a metadata server
 * (`enableMetadataServer`), all on one loopback origin, faithful to docs/wire/.
 *
 * Behaviour of generation calls, in order of precedence:
 * 1. a prompt directive `[emulate:<json behaviour>]` in the last user text (for callers that cannot
 *    reach this object, e.g. another process);
 * 2. the FIFO queue filled with `enqueue()`;
 * 3. the default behaviour (`setDefaultBehaviour()`, initially `{kind:'text'}` = echo).
 */
import type { EmulatorBehaviour } from './types';

export { startEmulator } from './server';
export { GEMINI_CLI_CLIENT_ID, GEMINI_CLI_CLIENT_SECRET, OAUTH_SCOPES, DEFAULT_MODELS } from './state';
export { formatSseEvent } from './sse-writer';
export { parseDirective } from './prompt';
export type {
  AuthorizationCodeOptions,
  EmulatorAccountOptions,
  EmulatorBehaviour,
  EmulatorCounters,
  EmulatorErrorName,
  EmulatorRequestRecord,
  GoogleEmulator,
  OnboardingMode,
  StartEmulatorOptions,
  UsageField,
} from './types';

/** Builds the `[emulate:...]` directive text for a behaviour (to append to a prompt). */
export function emulateDirective(behaviour: EmulatorBehaviour): string {
  return `[emulate:${JSON.stringify(behaviour)}]`;
}
