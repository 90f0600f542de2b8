import { trackChild } from '../../support/cleanup';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

jest.setTimeout(90_000);

const RUNNER = resolve(__dirname, '../../../dist/bench/run.js');

/**
 * `npm run bench:smoke` in CI: the bench still runs every scenario end to end (emulator, load
 * generator, nginx, Redis, gateway processes) and produces a well-formed report. The numbers of a
 * few-hundred-millisecond run mean nothing, so nothing here is a performance threshold.
 */
describe('bench smoke run', () => {
  let directory: string;
  let stdout = '';
  let stderr = '';
  let exitCode: number | null = null;

  beforeAll(async () => {
    if (!existsSync(RUNNER)) throw new Error(`${RUNNER} is missing: run \`npm run build\` first (npm test does).`);
    directory = mkdtempSync(join(tmpdir(), 'gcli2api-bench-smoke-'));
    const child = spawn(process.execPath, [RUNNER, '--smoke', '--out', directory, '--report', join(directory, 'report.md')], { stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    exitCode = await new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  });

  afterAll(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  const tableRows = (heading: string): string[][] => {
    const section = stdout.split(`### ${heading}`)[1]?.split('###')[0] ?? '';
    return section
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()));
  };
  const hasNumber = (cell: string): boolean => /^[+−-]?\d[\d,]*(\.\d+)?/.test(cell);

  it('exits 0 and prints the report on stdout', () => {
    expect({ exitCode, stderr: exitCode === 0 ? '' : stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(stdout).toContain('### Direct, nginx pass-through and the gateway, side by side');
    expect(stdout).toContain('### Targets');
    expect(readFileSync(join(directory, 'report.md'), 'utf8')).toBe(stdout);
  });

  it('puts direct, nginx pass-through and both gateway routes side by side, with numbers in every cell', () => {
    const [header, separator, ...rows] = tableRows('Direct, nginx pass-through and the gateway, side by side');
    expect(header).toEqual(['Scenario', 'Metric', 'direct', 'nginx pass-through', 'gateway (OpenAI)', 'gateway (Gemini)']);
    expect(separator.every((cell) => /^-+:?$/.test(cell))).toBe(true);
    const latency = rows.find((cells) => cells[1] === 'latency p50 / p99 (ms)');
    expect(latency?.slice(2).every(hasNumber)).toBe(true);
    const rates = rows.filter((cells) => cells[1].startsWith('answers/s') || cells[1].startsWith('streams/s'));
    expect(rates.length).toBeGreaterThanOrEqual(3);
    for (const cells of rates) expect(cells.slice(2).every(hasNumber)).toBe(true);
    const gaps = rows.find((cells) => cells[1].startsWith('extra inter-chunk delay'));
    expect(gaps?.slice(2).every(hasNumber)).toBe(true);
    for (const cells of rows) expect(cells.join(' ')).not.toContain('failed');
  });

  it('reports open streams, the Redis limiter variant and a verdict for every target', () => {
    const open = tableRows('Open streams on one replica').slice(2);
    expect(open.map((cells) => cells[1])).toEqual(['direct', 'gateway (OpenAI)', 'gateway (Gemini)']);
    for (const cells of open) {
      expect(cells[3]).toBe('50 / 50');
      const numeric = cells[1] === 'direct' ? [cells[7], cells[8]] : cells.slice(4);
      expect(numeric.every(hasNumber)).toBe(true);
    }
    const variants = tableRows('Gateway variants');
    expect(variants[0]).toEqual(['Scenario (OpenAI route)', 'Metric', 'gateway', 'limiter off (paired run)', '+ Redis limiter']);
    const verdicts = tableRows('Targets').slice(2);
    expect(verdicts).toHaveLength(7); // limiter latency, limiter throughput, throughput (one concurrency in smoke), slow, stream, open streams, Redis round trips
    for (const [, measured, met] of verdicts) {
      expect(measured).not.toBe('not measured');
      expect(['**met**', '**not met**', 'partly / not measured']).toContain(met);
    }
  });

  it('writes the raw results as JSON', () => {
    const files = readdirSync(directory).filter((name) => name.endsWith('.json'));
    expect(files).toHaveLength(1);
    const results = JSON.parse(readFileSync(join(directory, files[0]), 'utf8'));
    expect(results.meta).toMatchObject({ plan: 'smoke', machine: { cores: expect.any(Number), node: process.version } });
    expect(results.measurements.length).toBeGreaterThanOrEqual(20);
    for (const measurement of results.measurements) {
      expect(measurement.load.failed).toBe(0);
      expect(measurement.load.completed).toBeGreaterThan(0);
      expect(Number.isFinite(measurement.load.latency.p50)).toBe(true);
    }
    expect(results.redisRoundTrips.openai.perRequest).toBeGreaterThan(0);
  });
});
