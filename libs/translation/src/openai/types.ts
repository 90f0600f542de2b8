/** The OpenAI Chat Completions response shapes we write (the subset OpenAI SDKs read). */

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAIToolCallDelta extends OpenAIToolCall {
  index: number;
}

/** A `url_citation` annotation (OpenAI's web-search shape); indices are UTF-16 offsets into content. */
export interface OpenAIAnnotation {
  type: 'url_citation';
  url_citation: { url: string; title: string; start_index: number; end_index: number };
}

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  /** Thought summaries (the de-facto field of DeepSeek-style APIs, kept from the original). */
  reasoning_content?: string;
  tool_calls?: OpenAIToolCall[];
  annotations?: OpenAIAnnotation[];
}

export interface ChatCompletionChoice {
  index: number;
  message: ChatCompletionMessage;
  logprobs: null;
  finish_reason: OpenAIFinishReason;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage: OpenAIUsage;
}

export interface ChatCompletionChunkDelta {
  role?: 'assistant';
  content?: string;
  reasoning_content?: string;
  refusal?: string;
  tool_calls?: OpenAIToolCallDelta[];
  annotations?: OpenAIAnnotation[];
}

export interface ChatCompletionChunkChoice {
  index: number;
  delta: ChatCompletionChunkDelta;
  logprobs: null;
  finish_reason: OpenAIFinishReason | null;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: ChatCompletionChunkChoice[];
  /** Present (null, then the totals on the last chunk) only when stream_options.include_usage is set. */
  usage?: OpenAIUsage | null;
}

/** OpenAI's error body, also written in-band (`data: {"error":…}`) when a stream fails after headers. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAIModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface OpenAIModelList {
  object: 'list';
  data: OpenAIModel[];
}

/** What every response of one request shares; injected (the translation layer has no clock or RNG). */
export interface ResponseIdentity {
  /** `chatcmpl-…` */
  id: string;
  /** Unix seconds. */
  created: number;
  /** The model id as the client asked for it (suffixes included). */
  model: string;
}
