import type { GenerateContentResponse } from '../gemini/types';
import { imageMarkdown } from '../openai/markdown-image';
import { encodeToolCallId } from '../openai/tool-call-id';
import type { SourcesEvent, StreamEvent, ToolCallEvent, UsageEvent } from '../stream/events';
import type { StreamEncoder, StreamErrorInfo, WireFrame } from '../stream/stream-transform';
import { encodeReasoningSignature } from './reasoning-signature';
import type { MessageItem, OutputItem, ReasoningItem, ResponseObject, ResponseSettings, ResponsesUsage } from './types';

export interface ResponsesEncoderOptions {
  id: string;
  createdAt: number;
  model: string;
  settings: ResponseSettings;
  customToolNames: readonly string[];
  namespaces: Readonly<Record<string, string>>;
  /** `include: ["reasoning.encrypted_content"]`: signatures also ride on reasoning items. */
  includeEncryptedReasoning: boolean;
  /** Fresh ids for output items (`msg_…`, `rs_…`, `fc_…`, `ctc_…`); injected so the encoder stays pure. */
  newItemId: (prefix: string) => string;
}

export interface ResponsesStreamEncoder extends StreamEncoder {
  /** The Response as it stands (final after `end` / `fail`). */
  response(): ResponseObject;
}

type Open = { kind: 'message'; item: MessageItem; index: number } | { kind: 'reasoning'; item: ReasoningItem; index: number };

/**
 * Neutral events → Responses API SSE frames (`event: <type>` + `data: {type, sequence_number, …}`):
 * response.created / in_progress first; each output item opened with output_item.added, filled by
 * its deltas (output_text, reasoning_summary_text, function_call_arguments, custom_tool_call_input)
 * and closed with the matching .done events and output_item.done; then response.completed, or
 * response.incomplete (max_output_tokens / content_filter) — or response.failed through `fail()`.
 * The same encoder builds the non-streamed Response (aggregateResponse), so both always agree.
 */
export function createResponsesStreamEncoder(options: ResponsesEncoderOptions): ResponsesStreamEncoder {
  const custom = new Set(options.customToolNames);
  const response: ResponseObject = {
    id: options.id, object: 'response', created_at: options.createdAt, status: 'in_progress', error: null, incomplete_details: null,
    model: options.model, output: [], truncation: 'disabled', usage: null, user: null, ...options.settings,
  };
  let sequence = 0;
  let started = false;
  let open: Open | undefined;
  let usage: UsageEvent | undefined;
  let incomplete: 'max_output_tokens' | 'content_filter' | undefined;

  const frame = (type: string, payload: Record<string, unknown>): WireFrame => ({ kind: 'data', event: type, data: { type, sequence_number: sequence++, ...payload } });
  const snapshot = (): ResponseObject => structuredClone(response);

  function start(frames: WireFrame[]): void {
    if (started) return;
    started = true;
    frames.push(frame('response.created', { response: snapshot() }), frame('response.in_progress', { response: snapshot() }));
  }

  function addItem(item: OutputItem, frames: WireFrame[]): number {
    response.output.push(item);
    const index = response.output.length - 1;
    frames.push(frame('response.output_item.added', { output_index: index, item: structuredClone(item) }));
    return index;
  }

  function close(frames: WireFrame[]): void {
    if (!open) return;
    const { item, index } = open;
    if (open.kind === 'message') {
      const part = open.item.content[0];
      open.item.status = 'completed';
      frames.push(
        frame('response.output_text.done', { item_id: item.id, output_index: index, content_index: 0, text: part.text, logprobs: [] }),
        frame('response.content_part.done', { item_id: item.id, output_index: index, content_index: 0, part: structuredClone(part) }),
      );
    } else {
      const summary = open.item.summary[0];
      if (summary) {
        frames.push(
          frame('response.reasoning_summary_text.done', { item_id: item.id, output_index: index, summary_index: 0, text: summary.text }),
          frame('response.reasoning_summary_part.done', { item_id: item.id, output_index: index, summary_index: 0, part: { ...summary } }),
        );
      }
    }
    frames.push(frame('response.output_item.done', { output_index: index, item: structuredClone(item) }));
    open = undefined;
  }

  function text(delta: string, frames: WireFrame[]): void {
    if (open?.kind !== 'message') {
      close(frames);
      const item: MessageItem = { type: 'message', id: options.newItemId('msg'), status: 'in_progress', role: 'assistant', content: [] };
      const index = addItem(item, frames);
      const part = { type: 'output_text' as const, text: '', annotations: [], logprobs: [] };
      item.content.push(part);
      frames.push(frame('response.content_part.added', { item_id: item.id, output_index: index, content_index: 0, part: structuredClone(part) }));
      open = { kind: 'message', item, index };
    }
    open.item.content[0].text += delta;
    frames.push(frame('response.output_text.delta', { item_id: open.item.id, output_index: open.index, content_index: 0, delta, logprobs: [] }));
  }

  function reasoning(delta: string, frames: WireFrame[]): void {
    if (open?.kind !== 'reasoning') {
      close(frames);
      const item: ReasoningItem = { type: 'reasoning', id: options.newItemId('rs'), summary: [] };
      const index = addItem(item, frames);
      item.summary.push({ type: 'summary_text', text: '' });
      frames.push(frame('response.reasoning_summary_part.added', { item_id: item.id, output_index: index, summary_index: 0, part: { type: 'summary_text', text: '' } }));
      open = { kind: 'reasoning', item, index };
    }
    open.item.summary[0].text += delta;
    frames.push(frame('response.reasoning_summary_text.delta', { item_id: open.item.id, output_index: open.index, summary_index: 0, delta }));
  }

  function toolCall(event: ToolCallEvent, frames: WireFrame[]): void {
    if (options.includeEncryptedReasoning && event.thoughtSignature) {
      // The signature rides on the reasoning item just before the call (one is made when the model showed no thoughts).
      if (open?.kind !== 'reasoning') {
        close(frames);
        open = { kind: 'reasoning', item: { type: 'reasoning', id: options.newItemId('rs'), summary: [] }, index: -1 };
        open.index = addItem(open.item, frames);
      }
      open.item.encrypted_content = encodeReasoningSignature(event.thoughtSignature);
    }
    close(frames);
    const callId = encodeToolCallId(`call_${event.id}`, event.thoughtSignature);
    if (custom.has(event.name)) {
      const input = customInput(event.arguments);
      const index = addItem({ type: 'custom_tool_call', id: options.newItemId('ctc'), call_id: callId, name: event.name, input: '', status: 'in_progress' }, frames);
      const item = response.output[index] as Extract<OutputItem, { type: 'custom_tool_call' }>;
      item.input = input;
      item.status = 'completed';
      frames.push(
        frame('response.custom_tool_call_input.delta', { item_id: item.id, output_index: index, delta: input }),
        frame('response.custom_tool_call_input.done', { item_id: item.id, output_index: index, input }),
        frame('response.output_item.done', { output_index: index, item: structuredClone(item) }),
      );
      return;
    }
    const namespace = options.namespaces[event.name];
    const index = addItem({
      type: 'function_call', id: options.newItemId('fc'), call_id: callId, name: event.name, arguments: '', status: 'in_progress', ...(namespace ? { namespace } : {}),
    }, frames);
    const item = response.output[index] as Extract<OutputItem, { type: 'function_call' }>;
    item.arguments = event.arguments;
    item.status = 'completed';
    frames.push(
      frame('response.function_call_arguments.delta', { item_id: item.id, output_index: index, delta: event.arguments }),
      frame('response.function_call_arguments.done', { item_id: item.id, output_index: index, name: event.name, arguments: event.arguments }),
      frame('response.output_item.done', { output_index: index, item: structuredClone(item) }),
    );
  }

  function sources(event: SourcesEvent): void {
    const message = [...response.output].reverse().find((item): item is MessageItem => item.type === 'message');
    const part = message?.content[0];
    if (!part) return;
    for (const source of event.sources) part.annotations.push({ type: 'url_citation', url: source.uri, title: source.title, start_index: 0, end_index: part.text.length });
  }

  function handle(events: readonly StreamEvent[], frames: WireFrame[]): void {
    for (const event of events) {
      if ('index' in event && event.index !== 0) continue; // one candidate only (Responses has no `n`)
      switch (event.type) {
        case 'text-delta':
          if (event.text !== '') text(event.text, frames);
          break;
        case 'image':
          text(imageMarkdown(event.mimeType, event.data), frames);
          break;
        case 'reasoning-delta':
          if (event.text !== '') reasoning(event.text, frames);
          break;
        case 'tool-call':
          toolCall(event, frames);
          break;
        case 'sources':
          sources(event);
          break;
        case 'finish':
          if (event.reason === 'length') incomplete = 'max_output_tokens';
          else if (event.reason === 'content_filter') incomplete = 'content_filter';
          break;
        case 'usage':
          usage = event;
          break;
        case 'blocked':
        case 'error':
          break;
      }
    }
  }

  return {
    encode(_chunk: GenerateContentResponse, events) {
      const frames: WireFrame[] = [];
      start(frames);
      handle(events, frames);
      return frames;
    },
    end(events) {
      const frames: WireFrame[] = [];
      start(frames);
      handle(events, frames);
      close(frames);
      response.usage = toResponsesUsage(usage);
      if (incomplete) {
        response.status = 'incomplete';
        response.incomplete_details = { reason: incomplete };
        for (const item of response.output) if (item.type === 'message') item.status = 'incomplete';
      } else response.status = 'completed';
      frames.push(frame(incomplete ? 'response.incomplete' : 'response.completed', { response: snapshot() }));
      return frames;
    },
    fail(error: StreamErrorInfo) {
      const frames: WireFrame[] = [];
      start(frames);
      response.status = 'failed';
      response.error = { code: error.code, message: error.message };
      response.usage = toResponsesUsage(usage);
      frames.push(frame('response.failed', { response: snapshot() }));
      return frames;
    },
    heartbeat: { kind: 'comment', text: 'keep-alive' },
    modelFailuresAreErrors: true,
    response: snapshot,
  };
}

/** A custom tool's input: the `input` string the model filled in, else the arguments verbatim. */
function customInput(argumentsJson: string): string {
  try {
    const parsed: unknown = JSON.parse(argumentsJson);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { input?: unknown }).input === 'string') return (parsed as { input: string }).input;
  } catch {
    // not JSON: the text itself is the input
  }
  return argumentsJson;
}

export function toResponsesUsage(usage: UsageEvent | undefined): ResponsesUsage {
  return {
    input_tokens: usage?.promptTokens ?? 0,
    input_tokens_details: { cached_tokens: usage?.cachedTokens ?? 0 },
    output_tokens: usage?.completionTokens ?? 0,
    output_tokens_details: { reasoning_tokens: usage?.reasoningTokens ?? 0 },
    total_tokens: usage?.totalTokens ?? 0,
  };
}
