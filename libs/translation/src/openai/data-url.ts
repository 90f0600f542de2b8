import { TranslationError } from '../errors';

export interface InlineBlob {
  mimeType: string;
  data: string;
}

/** `data:<mime>[;param=value…];base64,<data>`; the media type is required, base64 is required. */
const DATA_URL = /^data:([a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+)((?:;[^;,]*)*?);base64,(.*)$/is;
/** Standard or URL-safe alphabet, optional padding; whitespace is removed before the test. */
const BASE64_BODY = /^[A-Za-z0-9+/_-]+={0,2}$/;

export function isDataUrl(url: string): boolean {
  return /^data:/i.test(url.trimStart());
}

export function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url.trim());
}

/**
 * Parses a base64 data URL into Gemini inlineData. Throws a TranslationError (code
 * `invalid_data_url`) naming `param` when the URL is not a well-formed base64 data URL.
 */
export function parseDataUrl(url: string, param: string): InlineBlob {
  const match = DATA_URL.exec(url.trim());
  if (!match) {
    throw new TranslationError(
      `Invalid '${param}': expected a base64 data URL of the form 'data:<media type>;base64,<data>'.`,
      { param, code: 'invalid_data_url' },
    );
  }
  return { mimeType: match[1].toLowerCase(), data: checkedBase64(match[3], param) };
}

/** Validates (and strips whitespace from) a base64 payload. */
export function checkedBase64(payload: string, param: string): string {
  const data = payload.replace(/\s+/g, '');
  if (data === '' || !BASE64_BODY.test(data) || data.replace(/=+$/, '').length % 4 === 1) {
    throw new TranslationError(`Invalid '${param}': the data is not valid base64.`, { param, code: 'invalid_base64' });
  }
  return data;
}

/**
 * Markdown data-URI images inside text (`![alt](data:image/png;base64,…)`): the form our own
 * image output takes, so a client echoing an answer back sends the image again, not a huge string.
 */
const MARKDOWN_DATA_IMAGE = /!\[[^\]]*\]\(\s*["']?(data:image\/[a-z0-9.+-]+(?:;[^;,)]*)*;base64,[A-Za-z0-9+/_=-]+)["']?\s*\)/gi;

export type TextSegment = { kind: 'text'; text: string } | { kind: 'image'; blob: InlineBlob };

/** Splits text around Markdown data-URI images; malformed ones stay text. Empty text segments are dropped. */
export function splitMarkdownImages(text: string): TextSegment[] {
  if (!text.includes('](data:')) return text === '' ? [] : [{ kind: 'text', text }];
  const segments: TextSegment[] = [];
  let cursor = 0;
  for (const match of text.matchAll(MARKDOWN_DATA_IMAGE)) {
    const blob = tryParseDataUrl(match[1]);
    if (!blob) continue;
    const start = match.index ?? 0;
    if (start > cursor) segments.push({ kind: 'text', text: text.slice(cursor, start) });
    segments.push({ kind: 'image', blob });
    cursor = start + match[0].length;
  }
  if (cursor < text.length) segments.push({ kind: 'text', text: text.slice(cursor) });
  return segments;
}

function tryParseDataUrl(url: string): InlineBlob | undefined {
  try {
    return parseDataUrl(url, 'content');
  } catch {
    return undefined;
  }
}
