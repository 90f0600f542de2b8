import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { currentRequest } from './request-context';

/**
 * JSON logs (pino). Redaction is structural: authorization headers, keys, tokens and bodies are
 * censored wherever they appear in a logged object, so a careless `logger.info({headers})` cannot
 * leak a secret. Prompts are never logged at all (no body logging anywhere).
 */
export const REDACT_PATHS = [
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'x-goog-api-key', '*["x-goog-api-key"]', '*.headers["x-goog-api-key"]',
  'access_token', 'refresh_token', 'client_secret', 'token', 'key', 'apiKey', 'body', 'prompt', 'messages', 'contents',
  '*.access_token', '*.refresh_token', '*.client_secret', '*.token', '*.key', '*.apiKey', '*.body', '*.prompt', '*.messages', '*.contents',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(loggerOptions(level), destination ?? pino.destination({ sync: false }));
}

/** JSON logs with the request id of the request being served (AsyncLocalStorage) on every line. */
export function loggerOptions(level: string): pino.LoggerOptions {
  return {
    level,
    base: { service: 'geminicli2api' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const context = currentRequest();
      return context ? { requestId: context.requestId } : {};
    },
  };
}

/** Nest's start-up chatter (one line per module and route) is debug, not info. */
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/** Routes Nest's own log calls into pino, with the Nest context as `context`. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void { this.write(context && QUIET_CONTEXTS.has(context) ? 'debug' : 'info', message, context); }
  error(message: unknown, trace?: string, context?: string): void { this.write('error', message, context, trace); }
  warn(message: unknown, context?: string): void { this.write('warn', message, context); }
  debug(message: unknown, context?: string): void { this.write('debug', message, context); }
  verbose(message: unknown, context?: string): void { this.write('trace', message, context); }
  fatal(message: unknown, context?: string): void { this.write('fatal', message, context); }

  private write(level: pino.Level, message: unknown, context?: string, trace?: string): void {
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (trace && typeof trace === 'string' && trace.includes('\n')) fields.stack = trace;
    else if (trace && !context) fields.context = trace;
    if (typeof message === 'object' && message !== null) this.logger[level]({ ...fields, ...(message as object) });
    else this.logger[level](fields, String(message));
  }
}
