import type { Viewer } from '@scantrail/access';
import { CursorCodec } from '../paging/cursor-codec';
import { pageSize, toPage, type Page, type PageArgs } from '../paging/page';
import { readSql } from '../sql/read-sql';
import { rows, type Queryable } from '../sql/queryable';
import type { VendorStats, VendorView } from '../views/read-views';

interface VendorRow {
  vendor_id: string;
  name: string | null;
  address: string | null;
  role: string | null;
}

const CURSOR = new CursorCodec('vendors', ['string'] as const);

/** A registered vendor, or one only named by events (shown by its id, role OTHER as CONTRACT v1.1 says). */
/**
 * A vendor no registration describes, only named by events: its id as name, no address,
 * role OTHER (CONTRACT v1.1).
 */
export function namedOnlyVendor(vendorId: string): VendorView {
  return { vendorId, name: vendorId, address: null, role: 'OTHER' };
}

const toView = (r: VendorRow): VendorView => ({
  vendorId: r.vendor_id,
  name: r.name ?? r.vendor_id,
  address: r.address,
  role: r.role ?? 'OTHER',
});

/**
 * Vendors by id, whoever asks (the caller applies the viewer's scope): registered ones and
 * those only named by events; an id no event names is missing.
 */
export async function vendorsById(
  db: Queryable,
  vendorIds: readonly string[],
): Promise<Map<string, VendorView>> {
  const ids = [...new Set(vendorIds)];
  if (ids.length === 0) return new Map();
  const found = await rows<VendorRow>(db, readSql('vendors-by-id'), [ids]);
  return new Map(found.map((r) => [r.vendor_id, toView(r)]));
}

/**
 * Vendors with their latest registered details and their exposure counts. A
 * vendor-scoped viewer sees only its own vendor; naming another is refused.
 */
export class VendorReadService {
  constructor(private readonly db: Queryable) {}

  async vendor(viewer: Viewer, vendorId: string): Promise<VendorView | null> {
    viewer.requireVendor(vendorId, 'vendorId');
    return (await this.vendors(viewer, [vendorId])).get(vendorId) ?? null;
  }

  /** Vendors by id (for DataLoaders); ids outside the viewer's scope are missing. */
  async vendors(viewer: Viewer, vendorIds: readonly string[]): Promise<Map<string, VendorView>> {
    const scope = viewer.vendorScope;
    return vendorsById(
      this.db,
      vendorIds.filter((id) => scope === undefined || id === scope),
    );
  }

  /** Registered vendors in vendorId order (a vendor-scoped viewer: itself only). */
  async page(viewer: Viewer, args: PageArgs): Promise<Page<VendorView>> {
    const size = pageSize(args.first);
    const after = CURSOR.after(args.after)?.[0] ?? null;
    const scope = viewer.vendorScope ?? null;
    const fetched = await rows<VendorRow>(this.db, readSql('vendors-page'), [
      scope,
      after,
      size + 1,
    ]);
    const count = async (): Promise<number> =>
      (await rows<{ n: number }>(this.db, readSql('vendors-count'), [scope]))[0].n;
    return toPage(fetched, size, (r) => CURSOR.encode([r.vendor_id]), toView, count);
  }

  /**
   * Studies received and patients affected, per vendor the viewer may see: one row per
   * vendor that the projection keeps with its receipts (rm_vendor_stats), so the answer
   * costs the same however long the vendor's history.
   */
  async stats(viewer: Viewer, vendorIds: readonly string[]): Promise<Map<string, VendorStats>> {
    for (const id of vendorIds) viewer.requireVendor(id, 'vendorId');
    const ids = [...new Set(vendorIds)];
    if (ids.length === 0) return new Map();
    const counted = await rows<{
      vendor_id: string;
      studies_received: number;
      patients_affected: number;
    }>(this.db, readSql('vendor-stats'), [ids]);
    const stats = new Map<string, VendorStats>(
      ids.map((id) => [id, { studiesReceived: 0, patientsAffected: 0 }]),
    );
    for (const c of counted) {
      stats.set(c.vendor_id, {
        studiesReceived: c.studies_received,
        patientsAffected: c.patients_affected,
      });
    }
    return stats;
  }
}
