import type { CheckResult, DoctorReport } from './types';

/**
 * `…abcd` at most: the last four characters of long keys, two of medium ones, none of short ones.
 * Never more than four characters of a key (a prefix such as `sk-` would count too).
 */
export function mask(secret: string): string {
  if (secret.length >= 16) return `…${secret.slice(-4)}`;
  if (secret.length >= 8) return `…${secret.slice(-2)}`;
  return '…';
}

/** `redis://:***@host:6379/0`: the URL without its password. */
export function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Replaces every known secret in every text of the report (a gateway message could echo one). */
export function scrubReport(report: DoctorReport, secrets: Iterable<string>): DoctorReport {
  const list = [...secrets].filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
  const scrub = (text: string): string => list.reduce((result, secret) => result.split(secret).join(mask(secret)), text);
  const scrubValue = (value: unknown): unknown => {
    if (typeof value === 'string') return scrub(value);
    if (Array.isArray(value)) return value.map(scrubValue);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, scrubValue(entry)]));
    return value;
  };
  return { ...report, url: scrub(report.url), checks: report.checks.map((check) => scrubValue(check) as CheckResult) };
}
