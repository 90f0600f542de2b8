export * from './errors';
export * from './gemini/types';
export * from './gemini/native-defaults';
export * from './models/catalog';
export * from './models/thinking';
export * from './code-assist/envelope';
export * from './openai';
export * from './stream';
