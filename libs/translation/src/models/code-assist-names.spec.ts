import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODE_ASSIST_MODEL_NAMES, codeAssistModelName } from './code-assist-names';

/** The rows of the rename table in docs/wire/models.md, between its markers. */
function documentedRenames(): Record<string, string> {
  const doc = readFileSync(join(__dirname, '../../../../docs/wire/models.md'), 'utf8');
  const begin = doc.indexOf('<!-- code-assist-names:begin -->');
  const end = doc.indexOf('<!-- code-assist-names:end -->');
  expect(begin).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(begin);
  const rows = doc.slice(begin, end).split('\n').filter((line) => /^\|\s*`/.test(line));
  return Object.fromEntries(rows.map((row) => {
    const cells = row.split('|').map((cell) => cell.trim().replace(/^`|`$/g, '')).filter((cell) => cell !== '');
    return [cells[0], cells[1]];
  }));
}

describe('Code Assist model renames', () => {
  it('are exactly the table documented in docs/wire/models.md', () => {
    const documented = documentedRenames();
    expect(Object.keys(documented).length).toBeGreaterThan(0);
    expect({ ...CODE_ASSIST_MODEL_NAMES }).toEqual(documented);
  });

  it('rename gemini-3.5-flash and leave other ids alone', () => {
    expect(codeAssistModelName('gemini-3.5-flash')).toBe('gemini-3-flash');
    expect(codeAssistModelName('gemini-3.5-flash-lite')).toBe('gemini-3.5-flash-lite');
    expect(codeAssistModelName('toString')).toBe('toString');
  });
});
