import { Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { GatewayMetrics, StreamResponseWriter, type Surface } from '@app/common';
import { DrainState } from '@app/health';

/**
 * Opens a stream writer that is counted (open streams, time to first byte, overhead, duration by
 * outcome) and known to the drain, so a shutdown can finish it properly.
 */
@Injectable()
export class StreamTelemetry {
  constructor(private readonly metrics: GatewayMetrics, private readonly drain: DrainState) {}

  open(response: ServerResponse, surface: Surface, model: string): StreamResponseWriter {
    this.metrics.streamsOpen.inc({ surface });
    const modelLabel = this.metrics.modelLabel(model);
    const writer: StreamResponseWriter = new StreamResponseWriter(response, {
      onStart: (elapsedMs, overheadMs) => {
        this.metrics.timeToFirstByte.observe({ surface, model: modelLabel }, elapsedMs / 1000);
        this.metrics.gatewayOverhead.observe({ surface }, overheadMs / 1000);
      },
      onEnd: (outcome, elapsedMs) => {
        this.metrics.streamsOpen.dec({ surface });
        this.metrics.streamDuration.observe({ surface, outcome }, elapsedMs / 1000);
        this.drain.untrack(writer);
      },
    });
    this.drain.track(writer);
    return writer;
  }
}
