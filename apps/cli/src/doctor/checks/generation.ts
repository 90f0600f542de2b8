import { doc } from '../docs';
import { errorOf, short, type GatewayAnswer } from '../gateway-client';
import type { Check, DoctorContext, Verdict } from '../types';
import { readinessIndicators } from './gateway';

const PROMPT = 'Reply with the single word OK.';

/** Turns a failed generation (either dialect) into cause and fix, from the status and the gateway's message. */
export function explainGenerationFailure(answer: GatewayAnswer, surface: string): Verdict {
  const { message, code } = errorOf(answer);
  const said = short(message, 200);
  const detail = `${surface} answered HTTP ${answer.status}${said ? `: ${said}` : ''}`;
  const text = `${message ?? ''} ${code ?? ''}`;
  const requestId = answer.headers.get('x-request-id');
  const logHint = requestId ? ` (request id ${requestId})` : '';
  const retryAfter = answer.headers.get('retry-after');
  switch (true) {
    case answer.status === 401:
      return { status: 'FAIL', detail, cause: 'the client key was not accepted, or Google refused the access token (401 upstream)', fix: 'check the auth check above; if it passed, run `npx geminicli2api login` for the account and restart', doc: doc('401-unauthorized') };
    case answer.status === 503 && /invalid_grant|revoked|rejected the refresh token|google_credential_revoked/i.test(text):
      return { status: 'FAIL', detail, cause: 'credential revoked: Google refused the refresh token (invalid_grant: signed out, password changed, access removed, or unused for months)', fix: 'credential revoked: run `npx geminicli2api login`, replace the credential (GOOGLE_APPLICATION_CREDENTIALS file or the Kubernetes Secret) and restart', doc: doc('oauth-expired-or-revoked') };
    case answer.status === 503 && /no (usable )?google credential|no credential|every google credential/i.test(text):
      return { status: 'FAIL', detail, cause: 'the gateway has no usable Google credential', fix: 'run `npx geminicli2api login` and give the file to the gateway (GOOGLE_APPLICATION_CREDENTIALS / Helm google.existingSecret)', doc: doc('no-usable-credential') };
    case answer.status === 503 && /cool(ing)? ?down|all credentials are (resting|cooling)/i.test(text):
      return { status: 'WARN', detail, cause: 'every credential is cooling down after quota or capacity errors', fix: `wait${retryAfter ? ` ${retryAfter} s (Retry-After)` : ''} or add credentials to the pool`, doc: doc('credential-cooling-down') };
    case answer.status === 503 && /refresh(ing)? the google access token|token endpoint|google_token_refresh_failed/i.test(text):
      return { status: 'FAIL', detail, cause: 'the gateway cannot refresh access tokens: the token endpoint (oauth2.googleapis.com) is unreachable or failing', fix: 'allow egress to oauth2.googleapis.com:443 or set HTTPS_PROXY/NO_PROXY on the gateway', doc: doc('refresh-failures') };
    case answer.status === 503 && /onboard/i.test(text):
      return { status: 'WARN', detail, cause: 'Code Assist onboarding of the account has not finished yet', fix: `retry in a minute${retryAfter ? ` (Retry-After ${retryAfter} s)` : ''}; if it persists set GOOGLE_CLOUD_PROJECT`, doc: doc('project-required') };
    case answer.status === 503 && /capacity|overloaded|try again later/i.test(text):
      return { status: 'WARN', detail, cause: 'Google has no capacity for this model right now', fix: 'retry later or use another model (--model gemini-2.5-flash-lite)', doc: doc('slow-answers') };
    case answer.status === 403 && /verif|validation/i.test(text):
      return { status: 'FAIL', detail, cause: 'Google wants the account verified before it may use Code Assist', fix: 'open the link in the message while signed in to that account (or sign in with Gemini CLI once), then retry', doc: doc('project-required') };
    case answer.status === 403 && /GOOGLE_CLOUD_PROJECT|project|eligib|licen|tier/i.test(text):
      return { status: 'FAIL', detail, cause: 'the account needs a Google Cloud project for Code Assist (Workspace / Standard / Enterprise), or is not eligible', fix: 'set GOOGLE_CLOUD_PROJECT=<project id> (not the number) with the Gemini for Google Cloud API enabled, and restart', doc: doc('project-required') };
    case answer.status === 403:
      return { status: 'FAIL', detail, cause: 'Google denied the call (permission)', fix: 'check that the account/project may use Gemini Code Assist; set GOOGLE_CLOUD_PROJECT', doc: doc('project-required') };
    case answer.status === 429: {
      const seconds = retryAfter ? Number(retryAfter) : undefined;
      const limiter = /limiter|concurren|queue|too many requests in flight|gateway limit/i.test(text);
      const long = seconds === undefined || !Number.isFinite(seconds) || seconds > 300;
      return {
        status: long && !limiter ? 'FAIL' : 'WARN',
        detail: `${detail}${retryAfter ? ` (Retry-After ${retryAfter} s)` : ''}`,
        cause: limiter ? 'the gateway\'s own limiter is full (too many concurrent requests for the configured limits)' : long ? 'Google\'s quota for this account is exhausted (daily limit)' : 'Google rate-limited the account (per-minute quota)',
        fix: limiter ? 'retry after Retry-After; raise the limiter settings or add replicas/credentials if this is normal load' : long ? 'wait for the quota reset, add credentials to the pool, or use a lighter model' : `retry after ${retryAfter} s; add credentials to spread the load`,
        doc: limiter ? doc('limiter-429') : doc('credential-cooling-down'),
      };
    }
    case answer.status === 404:
      return { status: 'FAIL', detail, cause: 'the model is not served (not in the catalog, or Google does not offer it to this account)', fix: 'pick a model from GET /v1beta/models (doctor: --model)', doc: doc('model-not-found') };
    case answer.status === 502 || answer.status === 504:
      return {
        status: 'FAIL',
        detail,
        cause: answer.status === 504 ? 'Google did not answer in time (UPSTREAM_FIRST_BYTE_TIMEOUT_MS), or the egress path is blocked' : 'the gateway cannot reach Google (cloudcode-pa.googleapis.com): DNS, firewall or a required proxy',
        fix: 'allow egress to cloudcode-pa.googleapis.com and oauth2.googleapis.com:443, or set HTTPS_PROXY (and NO_PROXY) on the gateway',
        doc: doc('google-unreachable-proxy'),
      };
    case answer.status === 400:
      return { status: 'FAIL', detail, cause: 'the gateway or Google rejected doctor\'s minimal request', fix: `look at the gateway logs${logHint}; try another --model`, doc: doc('high-error-rate') };
    default:
      return { status: 'FAIL', detail, cause: 'an error inside the gateway', fix: `look at the gateway logs${logHint}`, doc: doc('high-error-rate') };
  }
}

function notRunnable(context: DoctorContext): Verdict | undefined {
  if (!context.reachable) return { status: 'SKIP', detail: 'skipped: the gateway is not reachable' };
  if (!context.authAccepted) return { status: 'SKIP', detail: 'skipped: no accepted client key' };
  return undefined;
}

function timeoutVerdict(message: string, surface: string, timeoutMs: number): Verdict {
  return {
    status: 'FAIL',
    detail: `${surface}: ${message}`,
    cause: `no answer within ${timeoutMs} ms: Google is slow, the gateway is saturated, or the egress path hangs`,
    fix: 'retry with a larger --timeout; check the latency metrics and UPSTREAM_* timeouts',
    doc: doc('slow-answers'),
  };
}

export const generateGeminiCheck: Check = {
  id: 'generate-gemini',
  title: 'Gemini API generateContent',
  async run(context) {
    const skip = notRunnable(context);
    if (skip) return skip;
    const model = context.settings.model;
    const surface = `POST /v1beta/models/${model}:generateContent`;
    const probe = await context.gateway.request(`/v1beta/models/${encodeURIComponent(model)}:generateContent`, {
      method: 'POST',
      auth: 'bearer',
      body: { contents: [{ role: 'user', parts: [{ text: PROMPT }] }], generationConfig: { maxOutputTokens: 1, temperature: 0 } },
    });
    if (!probe.ok) {
      context.generation = { status: 0, message: probe.message };
      return timeoutVerdict(probe.message, surface, context.settings.timeoutMs);
    }
    const { answer } = probe;
    context.generation = { status: answer.status, answer, message: errorOf(answer).message };
    if (answer.status === 200) {
      const candidates = Array.isArray(answer.json?.candidates) ? (answer.json.candidates as Array<{ finishReason?: string }>) : [];
      return { status: 'PASS', detail: `${model} answered in ${answer.elapsedMs} ms${candidates[0]?.finishReason ? ` (finishReason ${candidates[0].finishReason})` : ''}` };
    }
    return explainGenerationFailure(answer, surface);
  },
};

export const generateOpenAiCheck: Check = {
  id: 'generate-openai',
  title: 'OpenAI chat completion',
  async run(context) {
    const skip = notRunnable(context);
    if (skip) return skip;
    const model = context.settings.model;
    const surface = 'POST /v1/chat/completions';
    const probe = await context.gateway.request('/v1/chat/completions', {
      method: 'POST',
      auth: 'bearer',
      body: { model, messages: [{ role: 'user', content: PROMPT }], max_tokens: 1, temperature: 0 },
    });
    if (!probe.ok) return timeoutVerdict(probe.message, surface, context.settings.timeoutMs);
    const { answer } = probe;
    if (answer.status === 200) {
      const choices = Array.isArray(answer.json?.choices) ? (answer.json.choices as Array<{ finish_reason?: string }>) : [];
      return { status: 'PASS', detail: `${model} answered in ${answer.elapsedMs} ms${choices[0]?.finish_reason ? ` (finish_reason ${choices[0].finish_reason})` : ''}` };
    }
    const { code } = errorOf(answer);
    if (answer.status === 404 && code !== 'model_not_found') {
      return { status: 'WARN', detail: `${surface} answered 404 (route not found)`, cause: 'an older build without the OpenAI surface', fix: 'upgrade the gateway image if OpenAI clients need /v1/chat/completions' };
    }
    return explainGenerationFailure(answer, surface);
  },
};

export const projectCheck: Check = {
  id: 'project',
  title: 'Code Assist project / onboarding',
  async run(context) {
    const configured = context.settings.env.GOOGLE_CLOUD_PROJECT?.trim() || context.settings.env.GOOGLE_CLOUD_PROJECT_ID?.trim();
    if (configured && /^\d+$/.test(configured)) {
      return { status: 'WARN', detail: `GOOGLE_CLOUD_PROJECT=${configured} here looks like a project number`, cause: 'Code Assist needs the project id, not the number', fix: 'use the id (e.g. my-project-123) from `gcloud projects list`', doc: doc('project-required') };
    }
    const indicator = readinessIndicators(context).project as { status?: string; message?: string; project?: string } | undefined;
    if (indicator?.status === 'down') {
      return { status: 'FAIL', detail: `readiness reports the project down${indicator.message ? `: ${indicator.message}` : ''}`, cause: 'onboarding or project discovery failed', fix: 'set GOOGLE_CLOUD_PROJECT to a project with Gemini Code Assist enabled', doc: doc('project-required') };
    }
    const generation = context.generation;
    if (!generation) return { status: 'SKIP', detail: 'skipped: no generation was attempted' };
    if (generation.status === 200) return { status: 'PASS', detail: 'the account is onboarded and has a Code Assist project (the generation worked)' };
    if (generation.answer && (generation.status === 403 || (generation.status === 503 && /onboard/i.test(generation.message ?? '')))) {
      return explainGenerationFailure(generation.answer, 'the generation');
    }
    return { status: 'SKIP', detail: `could not be determined (the generation failed${generation.status ? ` with HTTP ${generation.status}` : ''} for another reason)` };
  },
};
