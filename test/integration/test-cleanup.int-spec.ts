import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackChild } from '../support/cleanup';
import { repositoryRoot } from '../support/ports';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npm test` must end, pass or fail: a hook that times out must not leave a process Jest waits on. */
describe('a test file whose beforeAll times out', () => {
  it('still stops the process it started, and Jest exits on its own', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'gcli2api-hang-'));
    const pidFile = join(directory, 'pid');
    const jest = trackChild(spawn(process.execPath, [
      join(repositoryRoot(), 'node_modules/jest/bin/jest.js'), '--selectProjects', 'unit', '--testMatch', '**/test/fixtures/hang/*.fixture.ts', '--runInBand',
    ], { cwd: repositoryRoot(), env: { ...process.env, HANG_FIXTURE_PID_FILE: pidFile }, stdio: 'ignore' }));
    const exit = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 45_000);
      jest.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    rmSync(directory, { recursive: true, force: true });
    expect(exit).toBe(1); // the fixture fails (its hook timed out)…
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false); // …and its process was stopped, so Jest could exit.
  }, 60_000);
});
