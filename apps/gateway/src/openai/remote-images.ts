import { Inject, Injectable } from '@nestjs/common';
import { request, type Dispatcher } from 'undici';
import { GATEWAY_CONFIG, InvalidRequestError, OUTBOUND_DISPATCHER, type GatewayConfig } from '@app/common';
import type { InlineBlob } from '@app/translation';

/**
 * Fetches `image_url` http(s) images when IMAGE_FETCH_ENABLED is on (off by default: a gateway
 * must not become an open fetcher). Bounded in size and time; only image/* bodies are accepted.
 */
@Injectable()
export class RemoteImageFetcher {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig, @Inject(OUTBOUND_DISPATCHER) private readonly dispatcher: Dispatcher) {}

  get enabled(): boolean {
    return this.config.images.fetchEnabled;
  }

  async fetchAll(urls: readonly string[], signal: AbortSignal): Promise<Map<string, InlineBlob>> {
    const unique = [...new Set(urls)];
    const entries = await Promise.all(unique.map(async (url, index) => [url, await this.fetchOne(url, index, signal)] as const));
    return new Map(entries);
  }

  private async fetchOne(url: string, index: number, signal: AbortSignal): Promise<InlineBlob> {
    const { maxBytes, timeoutMs } = this.config.images;
    const fail = (why: string) => new InvalidRequestError(`Could not fetch image ${index + 1} (${new URL(url).host}): ${why}.`, { code: 'image_fetch_failed', param: 'messages' });
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { dispatcher: this.dispatcher, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]), maxRedirections: 0, headersTimeout: timeoutMs, bodyTimeout: timeoutMs } as never);
    } catch (error) {
      throw fail(error instanceof Error ? error.message : 'network error');
    }
    const mimeType = String(response.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw fail(`HTTP ${response.statusCode}`);
    }
    if (!mimeType.startsWith('image/')) {
      await response.body.dump();
      throw fail(`content type ${mimeType || 'unknown'} is not an image`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        response.body.destroy();
        throw fail(`larger than IMAGE_FETCH_MAX_BYTES (${maxBytes} bytes)`);
      }
      chunks.push(chunk as Buffer);
    }
    return { mimeType, data: Buffer.concat(chunks).toString('base64') };
  }
}
