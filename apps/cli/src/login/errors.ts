/** A login that did not produce a credential; the message says why and what to do. Exit code 1. */
export class LoginFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoginFailedError';
  }
}
