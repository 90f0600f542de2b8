/**
 * The one error the pure translation layer raises. It carries what a caller needs to build a
 * 400 in either dialect: a human message, the offending parameter path (OpenAI's `param`) and a
 * short machine code. The HTTP layer maps it; translation never knows about HTTP or Nest.
 */
export class TranslationError extends Error {
  readonly param: string | null;
  readonly code: string;

  constructor(message: string, options: { param?: string | null; code?: string } = {}) {
    super(message);
    this.name = 'TranslationError';
    this.param = options.param ?? null;
    this.code = options.code ?? 'invalid_request';
  }
}
