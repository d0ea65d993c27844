import { Injectable } from '@nestjs/common';
import type { Viewer } from '@scantrail/access';
import {
  FindingsReadService,
  StudyReadService,
  VendorReadService,
  eventStudyKey,
  type DisclosureView,
  type EventStudyKey,
  type FindingView,
  type InspectionView,
  type Page,
  type PageArgs,
  type StudyView,
  type VendorStats,
  type VendorView,
} from '@scantrail/queries';
import DataLoader from 'dataloader';

/** Resolves a batch from a Map, in key order, with a fallback for missing keys. */
function fromMap<K, V, C = K>(
  keys: readonly K[],
  found: ReadonlyMap<C, V>,
  keyOf: (key: K) => C,
  missing: V,
): V[] {
  return keys.map((k) => found.get(keyOf(k)) ?? missing);
}

const same = <K>(k: K): K => k;

/**
 * The DataLoaders of ONE request: every parent-to-children field goes through one, so a
 * list of N parents costs one query per field, not N. Created per request (the cache
 * must not outlive it, and each holds the request's Viewer, whose scope every batch
 * applies).
 */
export class RequestLoaders {
  readonly studies: DataLoader<string, StudyView | null>;
  readonly derivatives: DataLoader<string, StudyView[]>;
  readonly studyDisclosures: DataLoader<string, DisclosureView[]>;
  readonly studyFindings: DataLoader<string, FindingView[]>;
  readonly studyInspections: DataLoader<string, InspectionView[]>;
  readonly eventFindings: DataLoader<EventStudyKey, FindingView[], string>;
  readonly vendors: DataLoader<string, VendorView | null>;
  readonly vendorStats: DataLoader<string, VendorStats>;
  private readonly vendorFindingPages = new Map<string, DataLoader<string, Page<FindingView>>>();

  constructor(
    private readonly viewer: Viewer,
    studies: StudyReadService,
    private readonly findings: FindingsReadService,
    vendors: VendorReadService,
  ) {
    this.studies = new DataLoader(async (uids) =>
      fromMap(uids, await studies.studies(viewer, uids), same, null),
    );
    this.derivatives = new DataLoader(async (uids) =>
      fromMap(uids, await studies.derivatives(viewer, uids), same, []),
    );
    this.studyDisclosures = new DataLoader(async (uids) =>
      fromMap(uids, await studies.disclosures(viewer, uids), same, []),
    );
    this.studyInspections = new DataLoader(async (uids) =>
      fromMap(uids, await studies.inspections(viewer, uids), same, []),
    );
    this.studyFindings = new DataLoader(async (uids) =>
      fromMap(uids, await findings.ofStudies(viewer, uids), same, []),
    );
    this.eventFindings = new DataLoader(
      async (keys) => fromMap(keys, await findings.ofEvents(viewer, keys), eventStudyKey, []),
      { cacheKeyFn: eventStudyKey },
    );
    this.vendors = new DataLoader(async (ids) =>
      fromMap(ids, await vendors.vendors(viewer, ids), same, null),
    );
    this.vendorStats = new DataLoader(async (ids) =>
      fromMap(ids, await vendors.stats(viewer, ids), same, {
        studiesReceived: 0,
        patientsAffected: 0,
      }),
    );
  }

  /** Vendor.findings pages: one loader per distinct (first, after), batched over vendors. */
  vendorFindings(args: PageArgs): DataLoader<string, Page<FindingView>> {
    const key = JSON.stringify([args.first ?? null, args.after ?? null]);
    let loader = this.vendorFindingPages.get(key);
    if (loader === undefined) {
      loader = new DataLoader(async (ids) => {
        const pages = await this.findings.pagesOfVendors(this.viewer, ids, args);
        return ids.map((id) => pages.get(id) ?? new Error(`no findings page for vendor ${id}`));
      });
      this.vendorFindingPages.set(key, loader);
    }
    return loader;
  }
}

/** Makes the loaders of each request (a Nest provider; the context factory calls it). */
@Injectable()
export class RequestLoadersFactory {
  constructor(
    private readonly studies: StudyReadService,
    private readonly findings: FindingsReadService,
    private readonly vendors: VendorReadService,
  ) {}

  create(viewer: Viewer): RequestLoaders {
    return new RequestLoaders(viewer, this.studies, this.findings, this.vendors);
  }
}
