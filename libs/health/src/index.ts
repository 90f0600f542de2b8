export * from './drain-state';
export * from './health.controller';
export * from './health.module';
