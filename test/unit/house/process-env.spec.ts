/**
 * Settings come from one place: the env map is parsed once by the config schema (libs/common/src/config) at the
 * entry points, and everything else reads the typed config. This scan fails when a new `process.env` read appears
 * anywhere else in apps/ or libs/ (specs excluded).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..', '..');

/** Where reading the process environment is the job. Paths relative to the repository root, `/`-separated. */
const ALLOWED: Array<{ path: string; why: string }> = [
  { path: 'libs/common/src/config/', why: 'the schema and its loader' },
  { path: 'apps/gateway/src/main.ts', why: 'entry point: hands process.env to loadConfig' },
  { path: 'apps/cli/src/main.ts', why: 'entry point: hands process.env to the commands, which call loadConfig' },
  { path: 'libs/translation/src/openai/__fixtures__/load-fixtures.ts', why: 'test tooling: UPDATE_FIXTURES=1 rewrites fixtures, never runs in the gateway' },
];

/** Every place a file reads the process environment: `process.env`, `process['env']`, `const { env } = process`. */
export function processEnvReads(source: string, fileName = 'file.ts'): number[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const lines: number[] = [];
  const isProcess = (node: ts.Node) => (ts.isIdentifier(node) && node.text === 'process') || (ts.isPropertyAccessExpression(node) && node.name.text === 'process');
  const visit = (node: ts.Node): void => {
    const envAccess =
      (ts.isPropertyAccessExpression(node) && node.name.text === 'env' && isProcess(node.expression)) ||
      (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && node.argumentExpression.text === 'env' && isProcess(node.expression)) ||
      (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer !== undefined && isProcess(node.initializer) &&
        node.name.elements.some((element) => (element.propertyName ?? element.name).getText(file) === 'env'));
    if (envAccess) lines.push(file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return lines;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('process.env is read only where the config is parsed', () => {
  it('finds every form of the read (and nothing in comments or strings)', () => {
    const source = [
      'const a = process.env.PORT;',
      "const b = process['env'];",
      'const { env, argv } = process;',
      'const c = globalThis.process.env;',
      '// process.env in a comment',
      "const d = 'process.env in a string';",
      'const e = config.env;',
    ].join('\n');
    expect(processEnvReads(source)).toEqual([1, 2, 3, 4]);
  });

  it('apps/ and libs/ read it nowhere else', () => {
    const offenders = [...sourceFiles(join(ROOT, 'apps')), ...sourceFiles(join(ROOT, 'libs'))]
      .map((path) => relative(ROOT, path).split(sep).join('/'))
      .filter((path) => !ALLOWED.some((allowed) => (allowed.path.endsWith('/') ? path.startsWith(allowed.path) : path === allowed.path)))
      .flatMap((path) => processEnvReads(readFileSync(join(ROOT, path), 'utf8'), path).map((line) => `${path}:${line}`));
    // Add the setting to libs/common/src/config (schema + GatewayConfig) and read it from the injected config instead.
    expect(offenders).toEqual([]);
  });
});
