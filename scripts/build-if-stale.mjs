#!/usr/bin/env node
/**
 * Builds dist/ only when a source is newer than the build, printing one line while it works.
 * Used by `npm start`, `npm run emulator` and the CLI scripts; `npm run build` always builds.
 * Sources: what tsconfig.build.json compiles (apps, libs, test/support, bench) and the tsconfigs.
 * The build's age is that of the entry points it must produce (tsc rewrites every output).
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const SOURCE_DIRS = ['apps', 'libs', 'test/support', 'bench'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json'];
/** tsconfig.build.json leaves these out, so editing them needs no build. */
const NOT_COMPILED_DIRS = new Set(['node_modules', '__fixtures__', 'results']);
const TESTS = /\.(spec|e2e-spec|int-spec)\.ts$/;
const OUTPUTS = ['dist/apps/gateway/src/main.js', 'dist/apps/cli/src/main.js', 'dist/test/support/emulator/main.js'];

function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Newest modification time of any .ts file under a folder (0 when the folder is absent). */
function newestTs(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, NOT_COMPILED_DIRS.has(entry.name) ? 0 : newestTs(path));
    else if (entry.name.endsWith('.ts') && !TESTS.test(entry.name)) newest = Math.max(newest, mtimeOf(path) ?? 0);
  }
  return newest;
}

function staleReason() {
  const built = OUTPUTS.map((path) => mtimeOf(join(root, path)));
  if (built.some((time) => time === undefined)) return 'no build yet';
  const oldestOutput = Math.min(...built);
  const newestSource = Math.max(
    ...SOURCE_DIRS.map((dir) => newestTs(join(root, dir))),
    ...SOURCE_FILES.map((file) => mtimeOf(join(root, file)) ?? 0),
  );
  return newestSource > oldestOutput ? 'sources changed' : undefined;
}

const reason = staleReason();
if (reason === undefined) process.exit(0);

const started = Date.now();
process.stderr.write(`Building dist/ (${reason}; tsc takes 30-60 s on a busy machine)…`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const child = spawn(npm, ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
const output = [];
child.stdout.on('data', (data) => output.push(data));
child.stderr.on('data', (data) => output.push(data));
child.on('error', (error) => {
  process.stderr.write(` failed to run npm: ${error.message}\n`);
  process.exit(1);
});
child.on('close', (code) => {
  if (code === 0) {
    process.stderr.write(` done in ${Math.round((Date.now() - started) / 1000)} s\n`);
    process.exit(0);
  }
  process.stderr.write(' failed:\n');
  process.stderr.write(Buffer.concat(output));
  process.exit(code ?? 1);
});
