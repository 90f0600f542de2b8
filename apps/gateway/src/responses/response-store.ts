import { Inject, Injectable, Logger } from '@nestjs/common';
import { GATEWAY_CONFIG, InvalidRequestError, SharedState, randomId, type GatewayConfig } from '@app/common';
import type { ResponseObject, ResponsesRequest } from '@app/translation';

/** What a stored response keeps: the Response itself and the whole input that led to it. */
export interface StoredResponse {
  response: ResponseObject;
  /** Every input item of the conversation up to this response (earlier turns included), instructions excluded. */
  input: ResponsesRequest['input'];
}

/**
 * Stored Responses for `previous_response_id` and `GET /v1/responses/{id}`, in shared state (Redis
 * when REDIS_URL is set, so any replica serves the next turn; in-process otherwise). Each entry
 * lives RESPONSES_STORE_TTL_SECONDS and is at most RESPONSES_STORE_MAX_BYTES of JSON; a larger
 * one is not stored (logged), and a later previous_response_id to it gets the same 400 as an
 * expired one. `store: false` responses are never written.
 */
@Injectable()
export class ResponseStore {
  private readonly logger = new Logger('responses');

  constructor(private readonly state: SharedState, @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  async save(entry: StoredResponse): Promise<boolean> {
    const json = JSON.stringify(entry);
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > this.config.responses.storeMaxBytes) {
      this.logger.warn({ msg: 'response not stored: larger than RESPONSES_STORE_MAX_BYTES', bytes, limit: this.config.responses.storeMaxBytes });
      return false;
    }
    await this.state.set(keyOf(entry.response.id), json, this.config.responses.storeTtlSeconds * 1000);
    return true;
  }

  async load(id: string): Promise<StoredResponse | undefined> {
    if (!/^resp_[A-Za-z0-9_-]{1,200}$/.test(id)) return undefined;
    const json = await this.state.get(keyOf(id));
    return json === undefined ? undefined : (JSON.parse(json) as StoredResponse);
  }

  /** Forgets a stored response; false when there was none. */
  async delete(id: string): Promise<boolean> {
    if ((await this.load(id)) === undefined) return false;
    await this.state.delete(keyOf(id));
    return true;
  }

  /**
   * Replaces `item_reference` items (what the Vercel AI SDK sends for earlier output when store is
   * on) by the stored items. An output item's id names its response (see itemIds), so one read per
   * referenced response finds them; an unknown or expired one is a 400, never silently dropped.
   */
  async resolveReferences(items: ResponsesRequest['input']): Promise<ResponsesRequest['input']> {
    if (!items.some((item) => item.type === 'item_reference')) return items;
    const responses = new Map<string, StoredResponse | undefined>();
    const resolved: ResponsesRequest['input'] = [];
    for (const [index, item] of items.entries()) {
      if (item.type !== 'item_reference') {
        resolved.push(item);
        continue;
      }
      const reference = item as { id?: unknown };
      const itemId = typeof reference.id === 'string' ? reference.id : '';
      const responseId = responseIdOfItem(itemId);
      if (responseId && !responses.has(responseId)) responses.set(responseId, await this.load(responseId));
      const stored = responseId ? responses.get(responseId) : undefined;
      const found = stored?.response.output.find((output) => output.id === itemId);
      if (!found) throw new InvalidRequestError(`Item with id '${itemId}' not found.`, { param: `input[${index}].id`, code: 'item_not_found' });
      resolved.push(found as unknown as ResponsesRequest['input'][number]);
    }
    return resolved;
  }
}

/** `resp_<48 hex>`, as OpenAI's. */
export function newResponseId(): string {
  return `resp_${randomId(24, 'hex')}`;
}

/** Output item ids `<prefix>_<response hex>_<n>`: an item reference finds its response without an index. */
export function itemIds(responseId: string): (prefix: string) => string {
  const hex = responseId.slice('resp_'.length);
  let count = 0;
  return (prefix) => `${prefix}_${hex}_${count++}`;
}

function responseIdOfItem(itemId: string): string | undefined {
  const match = /^[a-z]+_([0-9a-f]{48})_\d+$/.exec(itemId);
  return match ? `resp_${match[1]}` : undefined;
}

function keyOf(id: string): string {
  return `responses:${id}`;
}
