import { doc } from '../docs';
import { errorOf, type GatewayAnswer, type GatewayProbe } from '../gateway-client';
import type { Check, DoctorContext, Verdict } from '../types';
import { explainGenerationFailure, failureCodesOf, type FailureCodes } from './failure-explanation';
import { readinessIndicators, readinessIndicatorsOf } from './gateway';

const PROMPT = 'Reply with the single word OK.';

/** The OpenAI probe, sent once per run: generate-openai reports it, generate-gemini borrows its error code. */
function openAiProbe(context: DoctorContext): Promise<GatewayProbe> {
  context.openAiProbe ??= context.gateway.request('/v1/chat/completions', {
    method: 'POST',
    auth: 'bearer',
    body: { model: context.settings.model, messages: [{ role: 'user', content: PROMPT }], max_tokens: 1, temperature: 0 },
  });
  return context.openAiProbe;
}

/**
 * The stable codes of a failed Gemini-route answer. The Gemini dialect carries Google's ErrorInfo reason for Google's
 * errors but no code for the gateway's own (a revoked credential, the limiter, onboarding): then the same probe on the
 * OpenAI route, which doctor sends anyway, says which one it was. "No usable credential" is refined by readiness.
 */
async function geminiFailureCodes(context: DoctorContext, answer: GatewayAnswer): Promise<FailureCodes> {
  const codes = failureCodesOf(answer);
  if (codes.reason === undefined && codes.code === undefined) {
    const twin = await openAiProbe(context);
    if (twin.ok && twin.answer.status === answer.status) codes.code = errorOf(twin.answer).code;
  }
  return withCredentialCounts(context, codes);
}

/** "No usable credential" from a gateway whose readiness now counts 0 usable of N: Google refused every refresh token. */
async function withCredentialCounts(context: DoctorContext, codes: FailureCodes): Promise<FailureCodes> {
  if (codes.code !== 'no_usable_credential') return codes;
  const ready = await context.gateway.request('/health/ready');
  return ready.ok ? { ...codes, credentials: readinessIndicatorsOf(ready.answer.json).credentials } : codes;
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
      context.generation = { status: 0 };
      return timeoutVerdict(probe.message, surface, context.settings.timeoutMs);
    }
    const { answer } = probe;
    if (answer.status === 200) {
      context.generation = { status: answer.status, answer };
      const candidates = Array.isArray(answer.json?.candidates) ? (answer.json.candidates as Array<{ finishReason?: string }>) : [];
      return { status: 'PASS', detail: `${model} answered in ${answer.elapsedMs} ms${candidates[0]?.finishReason ? ` (finishReason ${candidates[0].finishReason})` : ''}` };
    }
    const codes = await geminiFailureCodes(context, answer);
    context.generation = { status: answer.status, answer, codes };
    return explainGenerationFailure(answer, surface, codes);
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
    const probe = await openAiProbe(context);
    if (!probe.ok) return timeoutVerdict(probe.message, surface, context.settings.timeoutMs);
    const { answer } = probe;
    if (answer.status === 200) {
      const choices = Array.isArray(answer.json?.choices) ? (answer.json.choices as Array<{ finish_reason?: string }>) : [];
      return { status: 'PASS', detail: `${model} answered in ${answer.elapsedMs} ms${choices[0]?.finish_reason ? ` (finish_reason ${choices[0].finish_reason})` : ''}` };
    }
    const codes = failureCodesOf(answer);
    if (answer.status === 404 && codes.code !== 'model_not_found') {
      return { status: 'WARN', detail: `${surface} answered 404 (route not found)`, cause: 'an older build without the OpenAI surface', fix: 'upgrade the gateway image if OpenAI clients need /v1/chat/completions' };
    }
    return explainGenerationFailure(answer, surface, await withCredentialCounts(context, codes));
  },
};

export const projectCheck: Check = {
  id: 'project',
  title: 'Code Assist project / onboarding',
  async run(context) {
    // A project number in GOOGLE_CLOUD_PROJECT is refused by the config schema before any check runs.
    const indicator = readinessIndicators(context).project as { status?: string; message?: string; project?: string } | undefined;
    if (indicator?.status === 'down') {
      return { status: 'FAIL', detail: `readiness reports the project down${indicator.message ? `: ${indicator.message}` : ''}`, cause: 'onboarding or project discovery failed', fix: 'set GOOGLE_CLOUD_PROJECT to a project with Gemini Code Assist enabled', doc: doc('project-required') };
    }
    const generation = context.generation;
    if (!generation) return { status: 'SKIP', detail: 'skipped: no generation was attempted' };
    if (generation.status === 200) return { status: 'PASS', detail: 'the account is onboarded and has a Code Assist project (the generation worked)' };
    if (generation.answer && (generation.status === 403 || generation.codes?.code === 'google_onboarding_pending')) {
      return explainGenerationFailure(generation.answer, 'the generation', generation.codes);
    }
    return { status: 'SKIP', detail: `could not be determined (the generation failed${generation.status ? ` with HTTP ${generation.status}` : ''} for another reason)` };
  },
};
