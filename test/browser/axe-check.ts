// axe-core in a dashboard page: the WCAG 2.1 level A and AA rules (the level of EN 301 549
// and Section 508) on the page as it is now. Injected through the DevTools protocol, which
// the page's Content-Security-Policy (scripts from its own origin only) does not stop.
import { source as AXE_SOURCE } from 'axe-core';
import type { Page } from 'playwright-core';

export const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** A CSS selector of each element that fails the rule. */
  targets: string[];
}

export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate<boolean>(`'axe' in window`))) await page.evaluate(AXE_SOURCE);
  return page.evaluate<AxeViolation[]>(`(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ${JSON.stringify(WCAG_21_AA)} },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.map(String).join(' ')),
    }));
  })()`);
}

/** One line per failing element: state, rule, impact, what the rule asks, where. */
export function violationLines(state: string, violations: readonly AxeViolation[]): string[] {
  return violations.flatMap((v) =>
    v.targets.map((t) => `${state}: ${v.id} (${v.impact ?? '?'}, ${v.help}) at ${t}`),
  );
}
