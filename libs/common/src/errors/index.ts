export * from './gateway-error';
export * from './dialects';
export * from './exception.filter';
export * from './request-errors';
