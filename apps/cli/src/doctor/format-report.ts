import { mask } from './redact';
import type { CheckStatus, DoctorReport, DoctorSettings } from './types';

const ORDER: CheckStatus[] = ['FAIL', 'WARN', 'PASS', 'SKIP'];
const WORDS: Record<CheckStatus, [string, string]> = { FAIL: ['failed', 'failed'], WARN: ['warning', 'warnings'], PASS: ['passed', 'passed'], SKIP: ['skipped', 'skipped'] };

export function reportHeader(settings: Pick<DoctorSettings, 'url' | 'key' | 'keySource'>): string {
  const key = settings.key ? `key ${mask(settings.key)} from ${settings.keySource}` : 'no client key';
  return `geminicli2api doctor: ${settings.url} (${key})\n\n`;
}

/** One line per check; cause, fix and the docs anchor under FAIL and WARN. */
export function formatReport(report: DoctorReport, options: { color?: boolean } = {}): string {
  const width = Math.max(...report.checks.map((check) => check.id.length)) + 2;
  const paint = (status: CheckStatus, text: string) => {
    if (!options.color) return text;
    const code = { PASS: 32, FAIL: 31, WARN: 33, SKIP: 90 }[status];
    return `\u001b[${code}m${text}\u001b[0m`;
  };
  const indent = ' '.repeat(6 + width);
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${paint(check.status, check.status.padEnd(4))}  ${check.id.padEnd(width)}${check.detail}`);
    if (check.status === 'FAIL' || check.status === 'WARN') {
      if (check.cause) lines.push(`${indent}cause: ${check.cause}`);
      if (check.fix) lines.push(`${indent}fix:   ${check.fix}`);
      if (check.doc) lines.push(`${indent}see:   ${check.doc}`);
    }
  }
  const counts = ORDER.map((status) => {
    const count = report.checks.filter((check) => check.status === status).length;
    return count > 0 ? `${count} ${WORDS[status][count === 1 ? 0 : 1]}` : undefined;
  }).filter(Boolean);
  lines.push('', `${report.ok ? 'OK' : 'NOT OK'}: ${counts.join(', ')}`, '');
  return lines.join('\n');
}
