import { createInterface } from 'node:readline';

/** Exit codes of every command: 0 ok, 1 the thing failed, 2 the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * What a command may do to the outside world besides HTTP: print, read a line, open a browser.
 * The binary wires it to the process; tests pass their own (a scripted browser, captured output).
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads one line from the user (the pasted authorization code). Rejects when the signal aborts. */
  readLine?(prompt: string, signal: AbortSignal): Promise<string>;
  /** Tries to open a URL in a browser; resolves false when there is none. Must never throw. */
  openBrowser?(url: string): Promise<boolean>;
}

/** A wrong command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The real process: stdout/stderr, stdin as a line reader, the platform's browser opener. */
export function processIo(openBrowser: (url: string) => Promise<boolean>): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    openBrowser,
    readLine: lineReader(process.stdin, process.stdout),
  };
}

/** Reads one line per call from a stream (a TTY or a pipe), showing the prompt on `output`. */
export function lineReader(input: NodeJS.ReadableStream & { isTTY?: boolean }, output: NodeJS.WritableStream): NonNullable<CliIo['readLine']> {
  return (prompt, signal) =>
    new Promise<string>((resolve, reject) => {
      const reader = createInterface({ input, output, terminal: input.isTTY === true });
      const onAbort = () => {
        reader.close();
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      reader.once('close', () => reject(new Error('standard input closed before a code was entered')));
      reader.question(prompt, (answer) => {
        signal.removeEventListener('abort', onAbort);
        // Settle before close(): closing emits 'close', whose handler rejects.
        resolve(answer);
        reader.close();
      });
    });
}
