import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Whether a graphical browser can plausibly be opened from this process (not over plain SSH, not in a container).
 * `env` is the desktop session's environment (DISPLAY, PATH, CI, NO_BROWSER), handed in by the entry point.
 */
export function browserAvailable(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  if (env.NO_BROWSER === 'true' || env.NO_BROWSER === '1') return false;
  if (env.CI) return false;
  if (platform === 'darwin' || platform === 'win32') return !(env.SSH_CONNECTION && !env.DISPLAY);
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
  return onPath('xdg-open', env);
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((folder) => folder !== '' && existsSync(join(folder, command)));
}

/**
 * Opens the URL with the platform's opener (open, xdg-open, start). Resolves false instead of failing when there is
 * no browser: the URL is always printed too.
 */
export function openBrowser(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<boolean> {
  if (!browserAvailable(env, platform)) return Promise.resolve(false);
  const [command, args] =
    platform === 'darwin' ? ['open', [url]] :
    platform === 'win32' ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]] :
    ['xdg-open', [url]];
  return new Promise<boolean>((resolve) => {
    try {
      const child = spawn(command, args, { stdio: 'ignore', detached: true, windowsHide: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
