/**
 * `npm run bench -- --only hostile`: what hostile bodies cost the built gateway, and whether any
 * seeded fuzz body gets a 5xx. Two parts:
 * 1. peak RSS per MB of body: for each surface and body shape, four bodies at once against one
 *    gateway; the gateway's peak RSS (VmHWM, reset before each shape) minus its RSS before, over
 *    the megabytes sent;
 * 2. 10,000 seeded malformed bodies (both surfaces, deep nesting included), counting 5xx (goal 0).
 */
import { writeFileSync } from 'node:fs';
import { prng } from '../../test/support/prng';
import { memoryOf, postBody } from '../../test/support/raw-http';
import { BENCH_CLIENT_KEY, startBenchGateway, type EmulatorEndpoints } from './gateway';

const AUTH = { authorization: `Bearer ${BENCH_CLIENT_KEY}` };
const CONCURRENT = 4;
const FUZZ_BODIES = 10_000;
const FUZZ_SEED = 20261204;

interface Shape {
  surface: 'openai' | 'gemini';
  name: string;
  body: () => string;
  authenticated?: boolean;
}

const repeat = (count: number, item: string) => new Array(count).fill(item).join(',');
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const openai = (messages: string, extra = '') => `{"model":"gemini-2.5-flash","messages":[${messages}]${extra}}`;
const gemini = (contents: string, extra = '') => `{"contents":[${contents}]${extra}}`;

const SHAPES: Shape[] = [
  { surface: 'openai', name: '20 MB of text in one message (accepted)', body: () => openai(`{"role":"user","content":"${'a'.repeat(20 * 1024 * 1024)}"}`) },
  { surface: 'openai', name: '10,000 messages (the limit, accepted)', body: () => openai(repeat(10_000, '{"role":"user","content":"hi"}')) },
  { surface: 'openai', name: '800k messages, 24 MB (413)', body: () => openai(repeat(800_000, '{"role":"user","content":"hi"}')) },
  { surface: 'openai', name: '190k values in a pass-through field', body: () => openai('{"role":"user","content":"hi"}', `,"web_search_options":{"x":[${repeat(190_000, '1')}]}`) },
  { surface: 'openai', name: 'nested 50,000 deep (400)', body: () => openai('{"role":"user","content":"hi"}', `,"web_search_options":${nested(50_000)}`) },
  { surface: 'openai', name: '19 MB without a key (401)', body: () => 'a'.repeat(19 * 1024 * 1024), authenticated: false },
  { surface: 'gemini', name: '20 MB of text in one part (accepted)', body: () => gemini(`{"role":"user","parts":[{"text":"${'a'.repeat(20 * 1024 * 1024)}"}]}`) },
  { surface: 'gemini', name: '10,000 contents (the limit, accepted)', body: () => gemini(repeat(10_000, '{"role":"user","parts":[{"text":"hi"}]}')) },
  { surface: 'gemini', name: '300k contents, 11.7 MB (413)', body: () => gemini(repeat(300_000, '{"role":"user","parts":[{"text":"hi"}]}')) },
  { surface: 'gemini', name: '190k values in a pass-through field', body: () => gemini('{"role":"user","parts":[{"text":"hi"}]}', `,"generationConfig":{"x":[${repeat(190_000, '1')}]}`) },
  { surface: 'gemini', name: 'nested 50,000 deep (400)', body: () => gemini('{"role":"user","parts":[{"text":"hi"}]}', `,"generationConfig":${nested(50_000)}`) },
  { surface: 'gemini', name: '19 MB without a key (401)', body: () => 'a'.repeat(19 * 1024 * 1024), authenticated: false },
];

const PATHS = { openai: '/v1/chat/completions', gemini: '/v1beta/models/gemini-2.5-flash:generateContent' } as const;

/** Resets VmHWM (Linux: writing 5 to clear_refs), so each shape's peak is its own. */
function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not allowed here: the peaks then only grow, and the table says so below
  }
}

function fuzzBody(random: () => number): { surface: 'openai' | 'gemini'; body: string } {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const junk = (): unknown => pick<unknown>([null, 7, -1, 'x', '', true, [], {}, [null], { role: 9 }, 'y'.repeat(3000), 1e308, { parts: 'no' }, [[[[1]]]]]);
  // Deep values are spliced in as text after JSON.stringify (which would overflow the stack here).
  const deepDepths: number[] = [];
  const deep = () => { deepDepths.push(50 + Math.floor(random() * 6_000)); return `__DEEP_${deepDepths.length - 1}__`; };
  const splice = (text: string) => text.replace(/"__DEEP_(\d+)__"/g, (_match, index: string) => nested(deepDepths[Number(index)]));
  if (random() < 0.5) {
    const message = () => pick<unknown>([
      { role: pick(['user', 'assistant', 'system', 'tool', 'x', null]), content: junk() },
      { role: 'user', content: [{ type: pick(['text', 'image_url', 'input_audio', 'file', 9]), text: junk(), image_url: junk() }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: pick<unknown>([junk(), deep()]) } }] },
      junk(),
    ]);
    const body = pick<() => unknown>([
      () => junk(),
      () => ({ model: 'gemini-2.5-flash', messages: Array.from({ length: 1 + Math.floor(random() * 4) }, message) }),
      () => ({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], [pick(['web_search_options', 'response_format', 'tools', 'stop', 'temperature'])]: pick<unknown>([junk(), deep()]) }),
    ])();
    return { surface: 'openai', body: splice(JSON.stringify(body) ?? 'null') };
  }
  const content = () => pick<unknown>([
    { role: pick(['user', 'model', 'x']), parts: [{ text: junk() }] },
    { parts: [{ functionCall: { name: 'f', args: pick<unknown>([junk(), deep()]) } }] },
    { parts: [{ functionResponse: { name: 'f', response: pick<unknown>([junk(), deep()]) } }] },
    { parts: junk() },
    junk(),
  ]);
  const body = pick<() => unknown>([
    () => junk(),
    () => ({ contents: Array.from({ length: 1 + Math.floor(random() * 4) }, content) }),
    () => ({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], [pick(['generationConfig', 'tools', 'toolConfig', 'systemInstruction', 'safetySettings'])]: pick<unknown>([junk(), deep()]) }),
  ])();
  return { surface: 'gemini', body: splice(JSON.stringify(body) ?? 'null') };
}

export async function runHostileBench(emulator: EmulatorEndpoints, log: (line: string) => void): Promise<string> {
  const gateway = await startBenchGateway({ emulator });
  const lines: string[] = ['## Hostile input', '', `Peak RSS per MB of body: ${CONCURRENT} bodies at once per row, one gateway (default settings, default heap).`, '',
    '| surface | body | MB each | statuses | RSS before (MB) | peak growth (MB) | peak growth per MB sent |', '|---|---|---:|---|---:|---:|---:|'];
  try {
    for (const shape of SHAPES) {
      const body = Buffer.from(shape.body());
      const before = memoryOf(gateway.pid).rssMb;
      resetPeak(gateway.pid);
      const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => postBody(`${gateway.url}${PATHS[shape.surface]}`, body, shape.authenticated === false ? {} : AUTH, 120_000).catch(() => ({ status: 0, body: '' }))));
      const growth = Math.max(0, memoryOf(gateway.pid).peakMb - before);
      const sentMb = (body.length * CONCURRENT) / 1024 / 1024;
      const statuses = [...new Set(answers.map((answer) => answer.status))].join('/');
      lines.push(`| ${shape.surface} | ${shape.name} | ${(body.length / 1024 / 1024).toFixed(1)} | ${statuses} | ${before.toFixed(0)} | ${growth.toFixed(0)} | ${(growth / sentMb).toFixed(2)} |`);
      log(lines[lines.length - 1]);
    }
    const random = prng(FUZZ_SEED);
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < FUZZ_BODIES) {
        const index = next++;
        const { surface, body } = fuzzBody(random);
        const answer = await postBody(`${gateway.url}${PATHS[surface]}`, body, AUTH, 30_000).catch((error: Error) => ({ status: 0, body: error.message }));
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if ((answer.status >= 500 || answer.status === 0) && failures.length < 5) failures.push(`#${index} ${surface} → ${answer.status}: ${answer.body.slice(0, 160)}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const fiveHundreds = [...statuses].filter(([status]) => status >= 500 || status === 0).reduce((sum, [, count]) => sum + count, 0);
    lines.push('', `Seeded fuzz (seed ${FUZZ_SEED}): ${FUZZ_BODIES} bodies, ${fiveHundreds} answered 5xx or not at all (goal 0). Statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(', ')}.`);
    if (failures.length > 0) lines.push('', ...failures.map((failure) => `- ${failure}`));
    lines.push('', `Gateway RSS after the run: ${memoryOf(gateway.pid).rssMb.toFixed(0)} MB.`, '');
    return lines.join('\n');
  } finally {
    await gateway.stop();
  }
}
