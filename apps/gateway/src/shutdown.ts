import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { GatewayConfig } from '@app/common';
import { DrainState } from '@app/health';

/**
 * Graceful drain on SIGTERM (and SIGINT), as a rolling update needs it:
 * 1. readiness turns 503 at once, so the load balancer stops sending new work;
 * 2. the replica keeps serving for DRAIN_DELAY_MS, because endpoint lists take time to update;
 * 3. it stops accepting connections (keep-alive ones are told `Connection: close`);
 * 4. open requests and streams may finish for up to DRAIN_TIMEOUT_MS;
 * 5. what is left is ended with each surface's final error event, limiter slots are released,
 *    everything closes, and the process exits 0.
 */
export function installGracefulShutdown(app: NestFastifyApplication, config: GatewayConfig, logger: Logger): void {
  let started = false;
  const drain = app.get(DrainState);
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (started) return;
    started = true;
    drain.startDraining();
    logger.info({ msg: 'draining: readiness is now 503', signal, delayMs: config.drain.delayMs, timeoutMs: config.drain.timeoutMs, openStreams: drain.openStreams, inFlight: drain.inFlightRequests });
    await sleep(config.drain.delayMs);
    const server = app.getHttpServer() as Server;
    server.close();
    server.closeIdleConnections();
    logger.info({ msg: 'draining: no longer accepting connections', openStreams: drain.openStreams, inFlight: drain.inFlightRequests });
    if (!(await drain.waitUntilIdle(config.drain.timeoutMs))) {
      const terminated = drain.terminateStreams();
      logger.warn({ msg: 'draining: DRAIN_TIMEOUT_MS reached, ending the remaining streams with an error event', streams: terminated, inFlight: drain.inFlightRequests });
      await drain.waitUntilIdle(2_000);
    }
    await app.close();
    logger.info({ msg: 'stopped' });
    logger.flush(() => process.exit(0));
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      shutdown(signal).catch((error: unknown) => {
        logger.error({ msg: 'shutdown failed', error: (error as Error).message });
        logger.flush(() => process.exit(1));
      });
    });
  }
}
