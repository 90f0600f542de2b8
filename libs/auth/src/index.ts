export * from './client-keys';
export * from './client-key.guard';
export * from './google-credentials';
export * from './token-endpoint';
export * from './access-token.service';
export * from './credential-store';
export * from './auth.module';
export * from './credential-pool';
