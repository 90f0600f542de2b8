import { Injectable, Inject, type OnModuleDestroy } from '@nestjs/common';
import { request, type Dispatcher } from 'undici';
import { GATEWAY_CONFIG, InvalidRequestError, OutboundGuard, OutboundRefusedError, type GatewayConfig } from '@app/common';
import type { InlineBlob } from '@app/translation';

/**
 * Fetches `image_url` http(s) images when IMAGE_FETCH_ENABLED is on (off by default: a gateway
 * must not become an open fetcher). Every URL goes through the outbound guard (public addresses
 * only, checked address is the one connected to, no redirects); at most IMAGE_FETCH_MAX_PER_REQUEST
 * images and IMAGE_FETCH_MAX_TOTAL_BYTES in all per request; only image/* bodies. Errors never say
 * what answered (status, type, size), so the fetcher cannot be used to map a network.
 */
@Injectable()
export class RemoteImageFetcher implements OnModuleDestroy {
  private readonly guard: OutboundGuard;
  private readonly dispatcher: Dispatcher;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.guard = new OutboundGuard({ allowHosts: config.images.allowHosts });
    const { timeoutMs } = config.images;
    this.dispatcher = this.guard.createAgent({ connectTimeoutMs: timeoutMs, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs });
  }

  get enabled(): boolean {
    return this.config.images.fetchEnabled;
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.destroy();
  }

  async fetchAll(urls: readonly string[], signal: AbortSignal): Promise<Map<string, InlineBlob>> {
    const unique = [...new Set(urls)];
    const { maxPerRequest } = this.config.images;
    if (unique.length > maxPerRequest) {
      throw new InvalidRequestError(`This request links ${unique.length} remote images; the gateway fetches at most ${maxPerRequest} per request (IMAGE_FETCH_MAX_PER_REQUEST). Send the others inline as data: URLs.`, { code: 'too_many_images', param: 'messages' });
    }
    const targets = unique.map((url, index) => {
      try {
        return this.guard.checkUrl(url);
      } catch {
        throw refused(index);
      }
    });
    const budget = { remaining: this.config.images.maxTotalBytes };
    const controller = new AbortController();
    const combined = AbortSignal.any([signal, controller.signal, AbortSignal.timeout(this.config.images.timeoutMs)]);
    try {
      const entries = await Promise.all(targets.map(async (target, index) => [unique[index], await this.fetchOne(target, index, combined, budget)] as const));
      return new Map(entries);
    } finally {
      controller.abort();
    }
  }

  private async fetchOne(url: URL, index: number, signal: AbortSignal, budget: { remaining: number }): Promise<InlineBlob> {
    const { maxBytes } = this.config.images;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { dispatcher: this.dispatcher, signal, method: 'GET' });
    } catch (error) {
      throw error instanceof OutboundRefusedError || (error as { cause?: unknown })?.cause instanceof OutboundRefusedError ? refused(index) : unusable(index);
    }
    const mimeType = String(response.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (response.statusCode !== 200 || !mimeType.startsWith('image/')) {
      response.body.destroy();
      throw unusable(index);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        const bytes = chunk as Buffer;
        size += bytes.length;
        budget.remaining -= bytes.length;
        if (size > maxBytes || budget.remaining < 0) {
          response.body.destroy();
          throw unusable(index);
        }
        chunks.push(bytes);
      }
    } catch {
      throw unusable(index);
    }
    return { mimeType, data: Buffer.concat(chunks).toString('base64') };
  }
}

function refused(index: number): InvalidRequestError {
  return new InvalidRequestError(`Could not fetch image ${index + 1}: the URL must be a public http(s) address.`, { code: 'image_fetch_failed', param: 'messages' });
}

/** One text for every failure after the guard let the URL through: nothing about what answered. */
function unusable(index: number): InvalidRequestError {
  return new InvalidRequestError(`Could not fetch image ${index + 1}: it did not return an image (HTTP 200, image/*) within the size and time limits (IMAGE_FETCH_MAX_BYTES, IMAGE_FETCH_TIMEOUT_MS).`, { code: 'image_fetch_failed', param: 'messages' });
}
