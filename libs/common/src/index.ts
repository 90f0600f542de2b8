export * from './config/config.schema';
export * from './config/load-config';
export * from './config/config.module';
export * from './errors';
export * from './logging/logger';
export * from './sse/response-writer';
export * from './http/outbound-dispatcher';
