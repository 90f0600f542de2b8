import { spawnSync } from 'node:child_process';
import { repositoryRoot } from '../../support/ports';

interface Probe {
  code: string;
  filePath: string;
}

/** Lints probe sources with the repository's own config, in a plain Node process (ESLint loads its config with import()). */
function lint(probes: Probe[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const probes = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      const out = [];
      for (const probe of probes) {
        const [result] = await eslint.lintText(probe.code, { filePath: process.cwd() + '/' + probe.filePath });
        out.push(result.messages.map((message) => message.ruleId + ': ' + message.message));
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  const result = spawnSync(process.execPath, ['-e', script], { cwd: repositoryRoot(), input: JSON.stringify(probes), encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`eslint probe failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as string[][];
}

const restricted = (problems: string[], rule = 'no-restricted-imports') => problems.some((problem) => problem.startsWith(`${rule}:`));

/** The house rules that lint enforces (eslint.config.mjs) really fire. */
describe('lint rules', () => {
  const impure = [
    "import { request } from 'undici';\nexport const used = [request];\n",
    "import { Injectable } from '@nestjs/common';\nexport const used = [Injectable];\n",
    "import Redis from 'ioredis';\nexport const used = [Redis];\n",
    "import { createServer } from 'node:http';\nexport const used = [createServer];\n",
    "import { readFileSync } from 'node:fs';\nexport const used = [readFileSync];\n",
    "import { GatewayError } from '@app/common';\nexport const used = [GatewayError];\n",
  ];
  const crossLib = "import { GatewayError } from '../../../common/src/errors/gateway-error';\nexport const used = [GatewayError];\n";
  let results: string[][];

  beforeAll(() => {
    results = lint([
      ...impure.map((code) => ({ code, filePath: 'libs/translation/src/stream/probe.ts' })),
      { code: impure[0], filePath: 'libs/upstream/src/probe.ts' },
      { code: crossLib, filePath: 'libs/upstream/src/limiter/probe.ts' },
      { code: "export const read = () => fetch('http://127.0.0.1');\n", filePath: 'libs/translation/src/probe.ts' },
    ]);
  });

  it('keeps libs/translation pure: every framework or I/O import fails lint', () => {
    expect(results.slice(0, impure.length).map((problems) => restricted(problems))).toEqual(impure.map(() => true));
  });

  it('allows the same import outside libs/translation', () => {
    expect(results[impure.length]).toEqual([]);
  });

  it('makes libs import each other only through their index', () => {
    expect(restricted(results[impure.length + 1])).toBe(true);
  });

  it('finds no I/O global in libs/translation', () => {
    expect(restricted(results[impure.length + 2], 'no-restricted-globals')).toBe(true);
  });
});
