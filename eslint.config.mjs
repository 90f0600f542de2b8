// House rules as lint (npm run lint, part of npm test). See CONTRIBUTING.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Libraries import each other only through their alias and index (`@app/common`), never by path. */
const crossLibPaths = {
  group: ['**/libs/*/src/**', '@app/*/src', '@app/*/src/**', '../../*/src/**', '../../../*/src/**'],
  message: 'Import another lib through its alias and index (@app/common, @app/auth, @app/translation, @app/upstream, @app/health).',
};

/** libs/translation is pure: no framework, no I/O, no other lib that does I/O. */
const impure = [
  '@nestjs/*', 'fastify', 'undici', 'ioredis', 'pino', 'prom-client', 'google-auth-library', 'gaxios', 'bottleneck',
  'node:http', 'node:https', 'node:http2', 'node:net', 'node:tls', 'node:dgram', 'node:dns', 'node:fs', 'node:fs/promises', 'node:child_process',
  'http', 'https', 'http2', 'net', 'tls', 'dgram', 'dns', 'fs', 'fs/promises', 'child_process',
  '@app/common', '@app/auth', '@app/upstream', '@app/health',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', 'deploy/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['libs/**/*.ts', 'apps/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [crossLibPaths] }] },
  },
  {
    files: ['libs/translation/**/*.ts'],
    ignores: ['libs/translation/**/*.spec.ts', 'libs/translation/**/__fixtures__/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: impure.filter((name) => !name.includes('*')).map((name) => ({ name, message: 'libs/translation is pure: no framework or I/O imports (see CONTRIBUTING.md).' })),
        patterns: [crossLibPaths, { group: impure.filter((name) => name.includes('*')), message: 'libs/translation is pure: no framework or I/O imports.' }],
      }],
      'no-restricted-globals': ['error',
        { name: 'fetch', message: 'libs/translation is pure: no I/O.' },
        { name: 'process', message: 'libs/translation is pure: no environment or process access.' },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/*.int-spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Wire bodies in tests are read as `any`: the assertions say what they must hold.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
