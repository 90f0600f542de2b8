import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';

export interface RawAnswer {
  status: number;
  body: string;
}

/**
 * Sends a body with node:http and resolves on the answer, even when the server answers before the
 * upload is done and then closes (a 401 or 413 before the body): write errors after the answer are
 * expected then and ignored. Rejects after `timeoutMs`.
 */
export function postBody(url: string, body: Buffer | string, headers: Record<string, string>, timeoutMs = 60_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { request.destroy(); reject(new Error(`no answer from ${url} within ${timeoutMs} ms`)); }, timeoutMs);
    let answered = false;
    const request = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => { clearTimeout(timer); resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }); });
      response.on('error', () => { clearTimeout(timer); resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }); });
    });
    request.on('error', (error) => { if (!answered) { clearTimeout(timer); reject(error); } });
    request.end(body);
  });
}

/** Opens a raw socket and writes the given head; the caller writes (or never writes) the rest. */
export function openRaw(port: number, head: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolveClose) => socket.once('close', () => resolveClose()));
    socket.once('connect', () => { socket.write(head); resolve({ socket, received: () => text, closed }); });
    socket.once('error', reject);
  });
}

/** Peak and current resident memory of a process, in MB (Linux /proc). */
export function memoryOf(pid: number): { peakMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}
