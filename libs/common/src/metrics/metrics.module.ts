import { Global, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GATEWAY_CONFIG } from '../config/config.module';
import type { GatewayConfig } from '../config/config.schema';
import { GatewayMetrics } from './metrics';

/**
 * `/metrics` on its own listener (METRICS_PORT, default 9464; 0 picks a free port), so scraping
 * never competes with — or is exposed like — the API port.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('metrics');
  private server?: Server;
  private readonly scrapeHooks: Array<() => Promise<void> | void> = [];

  constructor(private readonly metrics: GatewayMetrics, @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  /** Called before every scrape, to refresh gauges read from other components. */
  onScrape(hook: () => Promise<void> | void): void {
    this.scrapeHooks.push(hook);
  }

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.server = createServer((request, response) => {
      if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at /metrics\n');
        return;
      }
      void this.render().then(
        (body) => response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body),
        (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(error as Error).message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.config.metrics.port, this.config.metrics.host, () => resolve());
    });
    this.logger.log({ msg: 'metrics listening', host: this.config.metrics.host, port: this.port, path: '/metrics' });
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async render(): Promise<string> {
    for (const hook of this.scrapeHooks) await hook();
    return this.metrics.registry.metrics();
  }
}

@Global()
@Module({ providers: [GatewayMetrics, MetricsServer], exports: [GatewayMetrics, MetricsServer] })
export class MetricsModule {}
