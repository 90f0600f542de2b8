import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runProcess } from '../support/agent-cli';
import { repositoryRoot } from '../support/ports';

/**
 * scripts/build-if-stale.mjs (used by npm start / emulator / login / doctor) in a small project
 * whose `build` script only writes the entry points and counts its runs: builds when there is no
 * build or a compiled source is newer, prints one line while building, stays silent otherwise.
 */
describe('scripts/build-if-stale.mjs', () => {
  let project: string;
  const outputs = ['dist/apps/gateway/src/main.js', 'dist/apps/cli/src/main.js', 'dist/test/support/emulator/main.js'];
  const stale = () => runProcess(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: project, env: { PATH: process.env.PATH ?? '', HOME: project, npm_config_update_notifier: 'false' }, timeoutMs: 60_000 });
  const setTime = (path: string, secondsAgo: number) => {
    const time = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(join(project, path), time, time);
  };

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'gcli2api-stale-'));
    mkdirSync(join(project, 'scripts'));
    cpSync(join(repositoryRoot(), 'scripts/build-if-stale.mjs'), join(project, 'scripts/build-if-stale.mjs'));
    writeFileSync(join(project, 'make.js'), `
const fs = require('node:fs'); const path = require('node:path');
if (fs.existsSync('fail')) { console.error('src/x.ts(1,1): error TS1005'); process.exit(2); }
for (const file of ${JSON.stringify(outputs)}) { fs.mkdirSync(path.dirname(file), { recursive: true }); fs.writeFileSync(file, ''); }
fs.appendFileSync('builds', 'x');`);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fake', private: true, scripts: { build: 'node make.js' } }));
    for (const file of ['apps/gateway/src/main.ts', 'libs/common/src/thing.ts', 'libs/common/src/thing.spec.ts', 'tsconfig.json', 'tsconfig.build.json']) {
      mkdirSync(dirname(join(project, file)), { recursive: true });
      writeFileSync(join(project, file), '');
    }
  });

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  /** How many times the fake build ran. */
  const builds = (): number => (existsSync(join(project, 'builds')) ? readFileSync(join(project, 'builds'), 'utf8').length : 0);

  it('builds when there is no build yet, with one line', async () => {
    const result = await stale();
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Building dist\/ \(no build yet; [^\n]*… done in \d+ s\n$/);
    expect(builds()).toBe(1);
  }, 70_000);

  it('skips the build, silently, when dist/ is newer than every source', async () => {
    for (const file of ['apps/gateway/src/main.ts', 'libs/common/src/thing.ts', 'tsconfig.json']) setTime(file, 60);
    const result = await stale();
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(builds()).toBe(1);
  }, 70_000);

  it('ignores test files (not compiled) but rebuilds for a changed source or tsconfig', async () => {
    setTime('libs/common/src/thing.spec.ts', -60);
    expect((await stale()).stderr).toBe('');
    setTime('libs/common/src/thing.ts', -60);
    expect((await stale()).stderr).toContain('(sources changed;');
    expect(builds()).toBe(2);
    setTime('tsconfig.build.json', -120);
    expect((await stale()).stderr).toContain('(sources changed;');
    expect(builds()).toBe(3);
  }, 70_000);

  it('prints the compiler output and fails when the build fails', async () => {
    writeFileSync(join(project, 'fail'), '');
    setTime('apps/gateway/src/main.ts', -300);
    const result = await stale();
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(' failed:\n');
    expect(result.stderr).toContain('error TS1005');
  }, 70_000);
});
