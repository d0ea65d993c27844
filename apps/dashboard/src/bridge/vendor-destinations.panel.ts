// The vendor page's list of PACS destinations mapped to the vendor: where the hospital's
// Orthanc sends studies that are recorded as disclosures to it.
import { fill, slot } from '../components/async-section';
import { panel } from '../components/panel';
import { h } from '../dom/dom-builder';
import type { ViewContext } from '../views/view-context';
import { bridgeDestinations } from './bridge-queries';
import { destinationsTable } from './held-items.view';

export function vendorDestinationsPanel(ctx: ViewContext, vendorId: string): HTMLElement {
  const body = slot('vendor-destinations');
  void fill(
    ctx,
    body,
    'PACS destinations',
    () => bridgeDestinations(ctx.api, vendorId),
    (rows) => [
      rows.length === 0
        ? h('p', { class: 'empty' }, 'No Orthanc destination is mapped to this vendor.')
        : destinationsTable(rows, false),
    ],
  );
  return panel('PACS destinations', [body], { id: 'vendor-destinations-panel', wide: true });
}
