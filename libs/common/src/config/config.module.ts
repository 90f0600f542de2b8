import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import { OUTBOUND_DISPATCHER, createOutboundDispatcher } from '../http/outbound-dispatcher';
import type { GatewayConfig } from './config.schema';

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/**
 * Process-wide infrastructure: the validated config (validation happens in main.ts before Nest
 * starts) and the outbound HTTP dispatcher shared by every call to Google.
 */
@Global()
@Module({})
export class ConfigModule implements OnApplicationShutdown {
  constructor(@Inject(OUTBOUND_DISPATCHER) private readonly dispatcher: Dispatcher) {}

  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: OUTBOUND_DISPATCHER, useFactory: () => createOutboundDispatcher(config) },
      ],
      exports: [GATEWAY_CONFIG, OUTBOUND_DISPATCHER],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.destroy();
  }
}
