export * from './errors';
export * from './gemini/types';
export * from './models/catalog';
export * from './models/thinking';
