// What hides a lineage graph's edge labels, measured in the browser: another label or a node
// on top of it, or an edge's line drawn over it (painted later, through the label's box).
import type { Page } from 'playwright-core';

export interface LabelClashes {
  labels: number;
  /** "A / B": two labels whose boxes overlap. */
  labelOnLabel: string[];
  /** Labels whose box overlaps a node's card. */
  labelOnNode: string[];
  /** "label <- kind from → to": a line painted over the label's text. */
  lineOverLabel: string[];
}

export function labelClashesOf(page: Page): Promise<LabelClashes> {
  return page.evaluate<LabelClashes>(`(() => {
    const svg = document.querySelector('#lineage-graph svg.lineage');
    const labels = [...svg.querySelectorAll('text.edge-label')];
    const cards = [...svg.querySelectorAll('g.node > rect:first-of-type')];
    const lines = [...svg.querySelectorAll('path.edge-line')];
    const box = (e) => e.getBoundingClientRect();
    const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const labelOnLabel = [];
    labels.forEach((a, i) => labels.slice(i + 1).forEach((b) => {
      if (hit(box(a), box(b))) labelOnLabel.push(a.textContent + ' / ' + b.textContent);
    }));
    const labelOnNode = labels.filter((l) => cards.some((c) => hit(box(l), box(c)))).map((l) => l.textContent);
    const lineOverLabel = [];
    for (const label of labels) {
      const b = label.getBBox();
      const later = lines.filter((p) => label.compareDocumentPosition(p) & Node.DOCUMENT_POSITION_FOLLOWING);
      for (const path of later) {
        let crosses = false;
        for (let i = 1; i < 12 && !crosses; i++) {
          for (let j = 1; j < 4 && !crosses; j++) {
            const point = new DOMPoint(b.x + (b.width * i) / 12, b.y + (b.height * j) / 4);
            crosses = path.isPointInStroke(point);
          }
        }
        if (crosses) {
          const g = path.closest('g.edge');
          lineOverLabel.push(label.textContent + ' <- ' + g.dataset.kind + ' ' + g.dataset.from + ' → ' + g.dataset.to);
        }
      }
    }
    return { labels: labels.length, labelOnLabel, labelOnNode, lineOverLabel };
  })()`);
}
