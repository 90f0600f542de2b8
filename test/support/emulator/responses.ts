/**
 * Turns a content behaviour into a response plan (parts per stream event + final metadata), and
 * renders a plan as Code Assist stream events or as one generateContent response (§1.3, §1.4).
 */
import { estimateTokens } from './prompt';
import { sampleForSchema } from './schema-sample';
import type { EmulatorBehaviour, UsageField } from './types';

type Part = Record<string, unknown>;
type Usage = Partial<Record<UsageField, number>>;

/** Everything about the inbound call a behaviour may need. */
export interface GenerationInput {
  model: string;
  /** Last user text with any directive removed. */
  userText: string;
  includeThoughts: boolean;
  jsonMode: boolean;
  /** `responseJsonSchema` or `responseSchema` of a JSON-mode call, when one was sent. */
  responseSchema?: unknown;
  promptTokens: number;
}

export interface ResponsePlan {
  /** Parts of each stream event, in order (non-stream answers concatenate them). */
  segments: Part[][];
  /** Undefined: the stream is cut (no event carries a finishReason). */
  finishReason?: string;
  usage: Usage;
  groundingMetadata?: Record<string, unknown>;
  /** Blocked prompt: HTTP 200 with promptFeedback and no candidates. */
  promptFeedback?: Record<string, unknown>;
}

export interface ResponseMeta {
  model: string;
  responseId: string;
  createTime: string;
}

export type ContentBehaviour = Exclude<EmulatorBehaviour, { kind: 'error' } | { kind: 'hang' } | { kind: 'raw-reply' }>;

const DEFAULT_THOUGHT = 'Thinking about it';
/** A 1×1 transparent PNG. */
const DEFAULT_IMAGE_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

export function echoText(input: GenerationInput): string {
  if (!input.jsonMode) return `Echo: ${input.userText}`;
  return JSON.stringify(sampleForSchema(input.responseSchema, `Echo: ${input.userText}`) ?? { echo: input.userText });
}

/** Splits text into up to `count` pieces on character (code point) boundaries. */
export function splitIntoChunks(text: string, count = 3): string[] {
  const characters = Array.from(text);
  if (characters.length === 0) return [''];
  const pieces = Math.min(count, characters.length);
  const size = Math.ceil(characters.length / pieces);
  const chunks: string[] = [];
  for (let start = 0; start < characters.length; start += size) chunks.push(characters.slice(start, start + size).join(''));
  return chunks;
}

const thoughtSegments = (thoughts: string[]): Part[][] => thoughts.map((text) => [{ text, thought: true }]);
const textSegments = (chunks: string[]): Part[][] => chunks.map((text) => [{ text }]);

function buildUsage(input: GenerationInput, segments: Part[][], override: Usage = {}): Usage {
  let thoughtCharacters = 0;
  let outputCharacters = 0;
  for (const part of segments.flat()) {
    if (part.thought === true && typeof part.text === 'string') thoughtCharacters += part.text.length;
    else if (typeof part.text === 'string') outputCharacters += part.text.length;
    else if (part.inlineData !== undefined) outputCharacters += 1290 * 4; // Gemini bills a generated image as 1290 tokens
    else outputCharacters += JSON.stringify(part.functionCall ?? part).length;
  }
  const usage: Usage = { promptTokenCount: input.promptTokens, candidatesTokenCount: estimateTokens(outputCharacters) };
  if (thoughtCharacters > 0) usage.thoughtsTokenCount = estimateTokens(thoughtCharacters);
  Object.assign(usage, override);
  if (override.totalTokenCount === undefined) {
    usage.totalTokenCount = (usage.promptTokenCount ?? 0) + (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0);
  }
  return usage;
}

function thoughtsFor(input: GenerationInput, explicit: string[] | undefined): string[] {
  if (explicit) return explicit;
  return input.includeThoughts ? [DEFAULT_THOUGHT] : [];
}

export function planFor(behaviour: ContentBehaviour, input: GenerationInput): ResponsePlan {
  switch (behaviour.kind) {
    case 'text': {
      const segments = [...thoughtSegments(thoughtsFor(input, behaviour.thoughts)), ...textSegments(behaviour.chunks ?? splitIntoChunks(echoText(input)))];
      return { segments, finishReason: behaviour.finishReason ?? 'STOP', usage: buildUsage(input, segments, behaviour.usage) };
    }
    case 'function-call': {
      const calls: Part[] = behaviour.calls.map((call, index) => ({
        functionCall: { ...(call.id !== undefined ? { id: call.id } : {}), name: call.name, args: call.args },
        ...(index === 0 && behaviour.thoughtSignature !== undefined ? { thoughtSignature: behaviour.thoughtSignature } : {}),
      }));
      const segments = [...thoughtSegments(thoughtsFor(input, behaviour.thoughts)), calls];
      return { segments, finishReason: behaviour.omitFinishReason ? undefined : 'STOP', usage: buildUsage(input, segments) };
    }
    case 'cut-stream':
    case 'abort-stream': {
      const segments = textSegments(behaviour.chunks ?? splitIntoChunks(echoText(input)));
      return { segments, usage: buildUsage(input, segments) };
    }
    case 'safety-block': {
      const blockReason = behaviour.blockReason ?? 'SAFETY';
      const promptFeedback: Record<string, unknown> = { blockReason };
      if (blockReason === 'SAFETY') {
        promptFeedback.safetyRatings = [
          { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE' },
          { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
          { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
          { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true },
        ];
      }
      return { segments: [], promptFeedback, usage: { promptTokenCount: input.promptTokens, totalTokenCount: input.promptTokens } };
    }
    case 'image': {
      const segments: Part[][] = [];
      if (behaviour.text !== undefined) segments.push([{ text: behaviour.text }]);
      segments.push([{ inlineData: { mimeType: behaviour.mimeType ?? 'image/png', data: behaviour.data ?? DEFAULT_IMAGE_PNG } }]);
      return { segments, finishReason: 'STOP', usage: buildUsage(input, segments) };
    }
    case 'grounded': {
      const text = behaviour.text ?? echoText(input);
      const segments = textSegments([text]);
      const groundingMetadata = {
        searchEntryPoint: { renderedContent: `<div class="emulator-search-entry">${input.userText}</div>` },
        groundingChunks: behaviour.sources.map((source) => ({ web: { uri: source.uri, title: source.title } })),
        groundingSupports: [
          { segment: { startIndex: 0, endIndex: Buffer.byteLength(text), text }, groundingChunkIndices: behaviour.sources.map((_, index) => index) },
        ],
        webSearchQueries: [input.userText],
      };
      return { segments, finishReason: 'STOP', usage: buildUsage(input, segments), groundingMetadata };
    }
  }
}

/** Stream events (unwrapped `response` objects): new parts only; the last carries finishReason and usage. */
export function streamEvents(plan: ResponsePlan, meta: ResponseMeta): Record<string, unknown>[] {
  const common = { modelVersion: meta.model, createTime: meta.createTime, responseId: meta.responseId };
  if (plan.promptFeedback) return [{ promptFeedback: plan.promptFeedback, usageMetadata: plan.usage, ...common }];
  const promptOnlyUsage = { promptTokenCount: plan.usage.promptTokenCount, totalTokenCount: plan.usage.promptTokenCount };
  // Nothing to say but a finish: one final event with empty parts (accepted by Gemini CLI, §1.4).
  const segments = plan.segments.length === 0 && plan.finishReason !== undefined ? [[]] : plan.segments;
  return segments.map((parts, index) => {
    const isFirst = index === 0;
    const isLast = index === segments.length - 1;
    const candidate: Record<string, unknown> = { content: { role: 'model', parts } };
    const event: Record<string, unknown> = { candidates: [candidate] };
    if (isLast && plan.finishReason !== undefined) {
      candidate.finishReason = plan.finishReason;
      if (plan.groundingMetadata) candidate.groundingMetadata = plan.groundingMetadata;
      event.usageMetadata = plan.usage;
    } else if (isFirst) {
      event.usageMetadata = promptOnlyUsage;
    }
    return { ...event, ...common };
  });
}

/** Adjacent text parts of the same kind (thought / answer) merge, as the non-stream API returns them. */
function mergeParts(parts: Part[]): Part[] {
  const merged: Part[] = [];
  for (const part of parts) {
    const previous = merged[merged.length - 1];
    const isPlainText = (candidate: Part | undefined): boolean =>
      candidate !== undefined && typeof candidate.text === 'string' && Object.keys(candidate).every((key) => key === 'text' || key === 'thought');
    if (isPlainText(previous) && isPlainText(part) && previous!.thought === part.thought) {
      merged[merged.length - 1] = { ...previous, text: `${previous!.text as string}${part.text as string}` };
    } else {
      merged.push({ ...part });
    }
  }
  return merged;
}

/** One generateContent response (unwrapped). */
export function fullResponse(plan: ResponsePlan, meta: ResponseMeta): Record<string, unknown> {
  const common = { modelVersion: meta.model, createTime: meta.createTime, responseId: meta.responseId };
  if (plan.promptFeedback) return { promptFeedback: plan.promptFeedback, usageMetadata: plan.usage, ...common };
  const candidate: Record<string, unknown> = { content: { role: 'model', parts: mergeParts(plan.segments.flat()) } };
  if (plan.finishReason !== undefined) candidate.finishReason = plan.finishReason;
  if (plan.groundingMetadata) candidate.groundingMetadata = plan.groundingMetadata;
  candidate.index = 0;
  return { candidates: [candidate], usageMetadata: plan.usage, ...common };
}
