import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKS, TROUBLESHOOTING_ANCHORS } from '../../../apps/cli/src';

/** docs/troubleshooting.md keeps the anchors doctor links to, and every section names the check that detects it. */
describe('docs/troubleshooting.md', () => {
  const text = readFileSync(join(__dirname, '../../../docs/troubleshooting.md'), 'utf8');
  const sections = text.split(/(?=<a id=")/).slice(1);
  const checkIds = new Set(CHECKS.map((check) => check.id));

  it('has every anchor doctor and the alerts link to, once', () => {
    for (const anchor of TROUBLESHOOTING_ANCHORS) expect(text.split(`<a id="${anchor}"></a>`).length - 1).toBe(1);
  });

  it('every section says which doctor check detects it, naming real check ids', () => {
    expect(sections.length).toBe(TROUBLESHOOTING_ANCHORS.length);
    for (const section of sections) {
      const anchor = /<a id="([^"]+)">/.exec(section)?.[1];
      const detected = /\*\*Detected by:\*\* `doctor` checks? `([a-z-]+)`/.exec(section);
      expect(`${anchor}: ${detected ? 'ok' : 'no "Detected by"'}`).toBe(`${anchor}: ok`);
      for (const [, id] of section.matchAll(/`doctor` checks? `([a-z-]+)`/g)) expect(checkIds.has(id as never)).toBe(true);
    }
  });

  it('internal links point at existing anchors', () => {
    for (const [, target] of text.matchAll(/\]\(#([a-z0-9-]+)\)/g)) expect(TROUBLESHOOTING_ANCHORS).toContain(target);
  });
});
