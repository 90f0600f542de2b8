import { Inject, Injectable, Logger } from '@nestjs/common';
import { GATEWAY_CONFIG, SharedState, type GatewayConfig } from '@app/common';
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
}

function keyOf(id: string): string {
  return `responses:${id}`;
}
