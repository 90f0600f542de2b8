import { TranslationError } from '../errors';
import type { GeminiPart } from '../gemini/types';
import { checkedBase64, isDataUrl, isHttpUrl, parseDataUrl, splitMarkdownImages, type InlineBlob } from './data-url';
import type { ChatCompletionRequest, ChatContentPart } from './request-schema';

export interface ContentContext {
  /** Remote images the I/O shell fetched beforehand (IMAGE_FETCH_ENABLED), keyed by URL as sent. */
  remoteImages?: ReadonlyMap<string, InlineBlob>;
}

/** User or assistant content → Gemini parts. `param` is the message's `content` path. */
export function contentToParts(content: string | readonly ChatContentPart[], param: string, context: ContentContext): GeminiPart[] {
  if (typeof content === 'string') return textToParts(content);
  return content.flatMap((part, index) => contentPartToParts(part, `${param}[${index}]`, context));
}

/** The text of text-only content (system, developer, tool messages); array parts joined with `separator`. */
export function textOf(content: string | ReadonlyArray<{ text: string }>, separator: string): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join(separator);
}

/** Every http(s) image URL in the request, once each, for the I/O shell to fetch when enabled. */
export function collectRemoteImageUrls(request: ChatCompletionRequest): string[] {
  const urls = new Set<string>();
  for (const message of request.messages) {
    if ((message.role !== 'user' && message.role !== 'assistant') || !Array.isArray(message.content)) continue;
    for (const part of message.content) {
      if (part.type !== 'image_url') continue;
      const url = imageUrlOf(part).trim();
      if (isHttpUrl(url)) urls.add(url);
    }
  }
  return [...urls];
}

function textToParts(text: string): GeminiPart[] {
  return splitMarkdownImages(text).map((segment) => (segment.kind === 'text' ? { text: segment.text } : { inlineData: segment.blob }));
}

function contentPartToParts(part: ChatContentPart, param: string, context: ContentContext): GeminiPart[] {
  switch (part.type) {
    case 'text':
      return textToParts(part.text);
    case 'refusal':
      return part.refusal === '' ? [] : [{ text: part.refusal }];
    case 'image_url':
      return [{ inlineData: imageBlob(imageUrlOf(part), `${param}.image_url`, context) }];
    case 'input_audio':
      return [{ inlineData: { mimeType: `audio/${part.input_audio.format}`, data: checkedBase64(part.input_audio.data, `${param}.input_audio.data`) } }];
    case 'file':
      return [{ inlineData: fileBlob(part.file, `${param}.file`) }];
  }
}

function imageUrlOf(part: Extract<ChatContentPart, { type: 'image_url' }>): string {
  return typeof part.image_url === 'string' ? part.image_url : part.image_url.url;
}

function imageBlob(rawUrl: string, param: string, context: ContentContext): InlineBlob {
  const url = rawUrl.trim();
  if (isDataUrl(url)) return parseDataUrl(url, param);
  if (isHttpUrl(url)) {
    const fetched = context.remoteImages?.get(url);
    if (fetched) return fetched;
    throw new TranslationError(
      `Invalid '${param}': remote image URLs are not fetched by this gateway. Send the image inline as a data: URL (data:image/png;base64,...), or ask the operator to enable IMAGE_FETCH_ENABLED.`,
      { param, code: 'remote_image_disabled' },
    );
  }
  throw new TranslationError(`Invalid '${param}': expected a data: URL or an http(s) URL.`, { param, code: 'invalid_image_url' });
}

const MIME_BY_EXTENSION = new Map<string, string>([
  ['pdf', 'application/pdf'], ['txt', 'text/plain'], ['md', 'text/markdown'], ['csv', 'text/csv'],
  ['html', 'text/html'], ['json', 'application/json'], ['xml', 'text/xml'],
  ['png', 'image/png'], ['jpg', 'image/jpeg'], ['jpeg', 'image/jpeg'], ['webp', 'image/webp'], ['gif', 'image/gif'],
  ['heic', 'image/heic'], ['heif', 'image/heif'],
  ['wav', 'audio/wav'], ['mp3', 'audio/mp3'], ['flac', 'audio/flac'], ['ogg', 'audio/ogg'], ['aac', 'audio/aac'],
  ['mp4', 'video/mp4'], ['mov', 'video/quicktime'], ['webm', 'video/webm'],
]);

function fileBlob(file: { file_data?: string | null; file_id?: string | null; filename?: string | null }, param: string): InlineBlob {
  if (typeof file.file_data === 'string') {
    if (isDataUrl(file.file_data)) return parseDataUrl(file.file_data, `${param}.file_data`);
    // Some clients send bare base64 plus a filename; the extension then gives the media type.
    const extension = file.filename?.split('.').pop()?.toLowerCase() ?? '';
    const mimeType = MIME_BY_EXTENSION.get(extension);
    if (mimeType) return { mimeType, data: checkedBase64(file.file_data, `${param}.file_data`) };
    throw new TranslationError(`Invalid '${param}.file_data': expected a base64 data URL of the form 'data:<media type>;base64,<data>'.`, { param: `${param}.file_data`, code: 'invalid_data_url' });
  }
  if (typeof file.file_id === 'string') {
    throw new TranslationError(`Invalid '${param}.file_id': uploaded file ids are not supported by this gateway; send the file inline as file_data.`, { param: `${param}.file_id`, code: 'unsupported_file_id' });
  }
  throw new TranslationError(`Missing required parameter: '${param}.file_data'.`, { param: `${param}.file_data`, code: 'missing_required_parameter' });
}
