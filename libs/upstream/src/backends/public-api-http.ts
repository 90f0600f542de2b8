import { Inject, Injectable } from '@nestjs/common';
import { request, type Dispatcher } from 'undici';
import { OUTBOUND_DISPATCHER } from '@app/common';
import { encodeBody, translateTransportError, type UpstreamResponse } from '../code-assist-http';

export interface PublicApiCall {
  url: string;
  /** Auth header(s): `x-goog-api-key` or `authorization`. Secrets: never logged. */
  headers: Record<string, string>;
  body: unknown;
  stream: boolean;
  signal?: AbortSignal;
  /** For error messages: "the Gemini API generateContent". */
  what: string;
}

/** The side effect "POST to a public Google API" (Gemini API, Vertex AI), behind a port so unit tests can swap it. */
export abstract class PublicApiHttp {
  abstract post(call: PublicApiCall): Promise<UpstreamResponse>;
}

/** undici over the shared outbound dispatcher: the same proxy, keep-alive and timeouts as Code Assist. */
@Injectable()
export class UndiciPublicApiHttp extends PublicApiHttp {
  constructor(@Inject(OUTBOUND_DISPATCHER) private readonly dispatcher: Dispatcher) {
    super();
  }

  async post(call: PublicApiCall): Promise<UpstreamResponse> {
    const body = encodeBody(call.body);
    try {
      const response = await request(call.url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        signal: call.signal,
        headers: {
          'content-type': 'application/json',
          accept: call.stream ? 'text/event-stream' : 'application/json',
          'x-goog-api-client': `gl-node/${process.versions.node} geminicli2api`,
          ...call.headers,
        },
        body,
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw translateTransportError(error, call.what);
    }
  }
}
