import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { GatewayConfig } from './config.schema';

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** Provides the already-validated config object; validation happens in main.ts before Nest starts. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: GATEWAY_CONFIG, useValue: config }], exports: [GATEWAY_CONFIG] };
  }
}
