import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoginFailedError } from './errors';
import { CALLBACK_PATH } from './oauth';
import { failurePage, successPage } from './pages';

export type CallbackOutcome = { ok: true; email?: string } | { ok: false; message: string };

export interface LoopbackReceiver {
  /** `http://127.0.0.1:<port>/oauth2callback`: the redirect URI for the consent URL and the exchange. */
  redirectUri: string;
  /** The code from the first callback that carries the expected state; rejects on a wrong state or an OAuth error. */
  code: Promise<string>;
  /** Answers the browser that brought the code (after the exchange) with a success or failure page. */
  finish(outcome: CallbackOutcome): void;
  close(): Promise<void>;
}

export interface LoopbackOptions {
  host: string;
  /** 0 = a free port chosen by the OS. */
  port: number;
  expectedState: string;
}

/**
 * A one-shot HTTP server on the loopback interface for the installed-app redirect (RFC 8252 §7.3).
 * Never all interfaces, never a fixed 8080.
 */
export async function startLoopbackReceiver(options: LoopbackOptions): Promise<LoopbackReceiver> {
  const server = createServer();
  await listen(server, options.host, options.port);
  const { port } = server.address() as AddressInfo;
  const hostInUri = options.host.includes(':') ? `[${options.host}]` : options.host;
  const redirectUri = `http://${hostInUri}:${port}${CALLBACK_PATH}`;

  let settled = false;
  let waitingBrowser: ServerResponse | undefined;
  let resolveCode!: (code: string) => void;
  let rejectCode!: (error: Error) => void;
  const code = new Promise<string>((resolve, reject) => {
    resolveCode = resolve;
    rejectCode = reject;
  });
  // The caller may stop listening before awaiting (timeout); the rejection is still reported through it.
  code.catch(() => undefined);

  // Pages still being written; close() lets them reach the browser before it cuts the sockets.
  const writes = new Set<Promise<void>>();
  const answer = (response: ServerResponse, status: number, html: string) => {
    const written = new Promise<void>((resolve) => {
      response.once('finish', resolve);
      response.once('close', resolve);
    });
    writes.add(written);
    void written.then(() => writes.delete(written));
    response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
    response.end(html);
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://loopback.invalid');
    if (request.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      answer(response, 404, failurePage('This address only receives the Google sign-in redirect.'));
      return;
    }
    if (settled) {
      answer(response, 409, failurePage('This sign-in was already handled; look at the terminal.'));
      return;
    }
    settled = true;
    const error = url.searchParams.get('error');
    if (error) {
      const description = url.searchParams.get('error_description');
      const message = `Google did not grant access: ${error}${description ? ` (${description})` : ''}.`;
      answer(response, 400, failurePage(message));
      rejectCode(new LoginFailedError(message));
      return;
    }
    if (url.searchParams.get('state') !== options.expectedState) {
      const message = 'The state parameter does not match this login (a stale tab, or a forged request). Nothing was saved.';
      answer(response, 400, failurePage(message));
      rejectCode(new LoginFailedError(`state mismatch on the callback: ${message}`));
      return;
    }
    const received = url.searchParams.get('code');
    if (!received) {
      const message = 'The redirect carried no authorization code.';
      answer(response, 400, failurePage(message));
      rejectCode(new LoginFailedError(message));
      return;
    }
    waitingBrowser = response;
    resolveCode(received);
  });

  return {
    redirectUri,
    code,
    finish(outcome) {
      const response = waitingBrowser;
      waitingBrowser = undefined;
      if (!response || response.writableEnded) return;
      if (outcome.ok) answer(response, 200, successPage(outcome.email));
      else answer(response, 500, failurePage(outcome.message));
    },
    async close() {
      if (!settled) {
        settled = true;
        rejectCode(new LoginFailedError('stopped waiting for the browser'));
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all([...writes]), new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
      clearTimeout(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new LoginFailedError(`port ${port} on ${host} is already in use; omit --port to let the system pick a free one`));
      else if (error.code === 'EACCES') reject(new LoginFailedError(`not allowed to listen on ${host}:${port}; pick a port above 1024 or omit --port`));
      else reject(new LoginFailedError(`cannot listen on ${host}:${port}: ${error.message}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
