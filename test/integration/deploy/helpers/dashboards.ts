import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CHART_DIR } from './helm';

export const DASHBOARDS_DIR = join(CHART_DIR, 'files/dashboards');

export interface DashboardTarget {
  expr: string;
  refId: string;
  legendFormat?: string;
  datasource?: { type?: string; uid?: string };
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
}

export interface PanelQuery {
  dashboard: string;
  panel: string;
  panelId: number;
  refId: string;
  expr: string;
}

export async function loadDashboards(): Promise<Array<{ file: string; dashboard: Dashboard }>> {
  const files = (await readdir(DASHBOARDS_DIR)).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(files.map(async (file) => ({ file, dashboard: JSON.parse(await readFile(join(DASHBOARDS_DIR, file), 'utf8')) as Dashboard })));
}

export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/** Every PromQL query of every panel of every dashboard. */
export async function panelQueries(): Promise<PanelQuery[]> {
  const queries: PanelQuery[] = [];
  for (const { file, dashboard } of await loadDashboards()) {
    for (const panel of allPanels(dashboard)) {
      for (const target of panel.targets ?? []) queries.push({ dashboard: file, panel: panel.title, panelId: panel.id, refId: target.refId, expr: target.expr });
    }
  }
  return queries;
}
