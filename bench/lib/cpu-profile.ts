/**
 * Summarizes a V8 `.cpuprofile` (`node --cpu-prof`): self time by function and by area (a package
 * in node_modules, a folder of ours, node internals, GC, idle), from the sample stream.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTimeEntry {
  name: string;
  location: string;
  area: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Time not idle (program, GC and JS). */
  busyMs: number;
  topFunctions: SelfTimeEntry[];
  areas: Array<{ area: string; selfMs: number; share: number }>;
  /** Inclusive (self + callees) time of the gateway's own functions (apps/, libs/). */
  topInclusiveOurs: SelfTimeEntry[];
}

/** Where a frame's code lives: `fastify`, `libs/translation`, `node:internal`, `(garbage collector)`… */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url.startsWith('node:internal') ? 'node:internal' : url;
  const ours = /\/dist\/((?:apps|libs|test|bench)\/[^/]+(?:\/src)?(?:\/[^/.]+)?)/.exec(url);
  if (ours) return ours[1].replace(/\/src$/, '');
  return url;
}

function shortLocation(url: string, line: number): string {
  const trimmed = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/dist\//, 'dist/');
  return trimmed ? `${trimmed}:${line + 1}` : '';
}

export function summarizeProfile(path: string, top = 30): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let index = 0; index < profile.samples.length; index += 1) {
    const id = profile.samples[index];
    // timeDeltas[i] is the time before sample i; attribute the next delta to this sample.
    const delta = profile.timeDeltas[index + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, delta));
  }
  const byFunction = new Map<string, SelfTimeEntry>();
  const byArea = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, microseconds] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += microseconds;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += microseconds;
      continue;
    }
    const name = functionName || '(anonymous)';
    const location = shortLocation(url, lineNumber);
    const key = `${name}@${location}`;
    const area = areaOf(url, name);
    const entry = byFunction.get(key) ?? { name, location, area, selfMs: 0, share: 0 };
    entry.selfMs += microseconds / 1000;
    byFunction.set(key, entry);
    byArea.set(area, (byArea.get(area) ?? 0) + microseconds / 1000);
  }
  const busyMs = (totalUs - idleUs) / 1000;
  const topInclusiveOurs = inclusiveOurs(profile, byId, top).map((entry) => ({ ...entry, share: entry.selfMs / busyMs }));
  const topFunctions = [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top).map((entry) => ({ ...entry, share: entry.selfMs / busyMs }));
  const areas = [...byArea.entries()].map(([area, selfMs]) => ({ area, selfMs, share: selfMs / busyMs })).sort((a, b) => b.selfMs - a.selfMs);
  return { totalMs: totalUs / 1000, busyMs, topFunctions, areas, topInclusiveOurs };
}

/** Inclusive time of functions in dist/apps and dist/libs: each sample counts once per distinct function on its stack. */
function inclusiveOurs(profile: CpuProfile, byId: Map<number, ProfileNode>, top: number): SelfTimeEntry[] {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, SelfTimeEntry>();
  for (let index = 0; index < profile.samples.length; index += 1) {
    const delta = Math.max(0, profile.timeDeltas[index + 1] ?? 0) / 1000;
    const seen = new Set<string>();
    for (let id: number | undefined = profile.samples[index]; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (!frame || !/\/dist\/(apps|libs)\//.test(frame.url)) continue;
      const name = frame.functionName || '(anonymous)';
      const location = shortLocation(frame.url, frame.lineNumber);
      const key = `${name}@${location}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = totals.get(key) ?? { name, location, area: areaOf(frame.url, name), selfMs: 0, share: 0 };
      entry.selfMs += delta;
      totals.set(key, entry);
    }
  }
  return [...totals.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
}

export function renderProfileSummary(summary: ProfileSummary, top = 30, topAreas = 20): string {
  const lines = [
    `Profile: ${(summary.totalMs / 1000).toFixed(1)} s sampled, ${(summary.busyMs / 1000).toFixed(1)} s busy (not idle).`,
    '',
    '| Self time (busy %) | Area |',
    '| ---: | --- |',
    ...summary.areas.slice(0, topAreas).map((area) => `| ${area.selfMs.toFixed(0)} ms (${(area.share * 100).toFixed(1)}%) | ${area.area} |`),
    '',
    '| Self time (busy %) | Function | Where |',
    '| ---: | --- | --- |',
    ...summary.topFunctions.slice(0, top).map((entry) => `| ${entry.selfMs.toFixed(0)} ms (${(entry.share * 100).toFixed(1)}%) | ${entry.name} | ${entry.location} |`),
    '',
    '| Inclusive time (busy %) | Gateway function | Where |',
    '| ---: | --- | --- |',
    ...summary.topInclusiveOurs.slice(0, top).map((entry) => `| ${entry.selfMs.toFixed(0)} ms (${(entry.share * 100).toFixed(1)}%) | ${entry.name} | ${entry.location} |`),
  ];
  return `${lines.join('\n')}\n`;
}
