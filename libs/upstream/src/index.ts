export * from './code-assist-http';
export * from './google-errors';
export * from './onboarding-errors';
export * from './project.service';
export * from './sse-reader';
export * from './upstream.service';
export * from './upstream.module';
export * from './limiter/upstream-limiter';
