import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART_DIR, render, type RenderOptions } from './helm';

/**
 * `helm template` never renders NOTES.txt and `helm install --dry-run` needs a cluster, so this
 * renders the notes through `tpl` in a throw-away copy of the chart (the shipped chart is untouched).
 */
export async function renderNotes(options: Omit<RenderOptions, 'chartDir' | 'showOnly'> = {}): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'gcli2api-notes-'));
  try {
    const chartCopy = join(directory, 'geminicli2api');
    await cp(CHART_DIR, chartCopy, { recursive: true });
    await writeFile(join(chartCopy, 'files/zz-notes-preview.txt'), await readFile(join(CHART_DIR, 'templates/NOTES.txt'), 'utf8'));
    await writeFile(
      join(chartCopy, 'templates/zz-notes-preview.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-preview\ndata:\n  notes: {{ tpl (.Files.Get "files/zz-notes-preview.txt") . | toJson }}\n',
    );
    const [preview] = render({ ...options, chartDir: chartCopy, showOnly: ['templates/zz-notes-preview.yaml'] });
    return (preview as unknown as { data: { notes: string } }).data.notes;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
