// The API keeps `findings` answers by findings generation (apps/api/src/graphql/
// findings-answer-cache.ts): through the real ingest (Kafka, its findings worker) and the
// real API, a new finding is in the very next answer once the worker committed it, a
// vendor never gets another vendor's kept page, and a ledger that grows without a new
// finding keeps serving the kept answer.
import { mintToken, type Role } from '@scantrail/access';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { GraphqlClient } from '../scenario/graphql-client';
import { E2eStack } from '../support/e2e-stack';
import { findingsSettled, testSettings } from '../support/test-env';
import { ACME, CLOUD, RESEARCH, scenarioEvents } from './api-scenario';

interface FindingsPage {
  findings: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { cursor: string; node: { code: string; vendorId: string; eventId: string } }[];
  };
}

const PAGE = `query Page($vendorId: String, $first: Int) {
  findings(vendorId: $vendorId, first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { code studyInstanceUid vendorId eventId occurredAt ledgerSequence detail } }
  }
}`;

describe('findings answers kept by findings generation', () => {
  const settings = testSettings({ ingestPort: 0 });
  let stack: E2eStack;
  let client: GraphqlClient;
  let metricsUrl: string;
  let sent = 0;

  const token = (roles: Role[], vendorId?: string): string =>
    mintToken({
      secret: settings.authJwtSecret,
      sub: `cache-${roles.join('-')}-${vendorId ?? 'all'}`,
      roles,
      vendorId,
      ttlSeconds: 900,
    });
  const officer = token(['privacy_officer']);

  const page = async (bearer: string, variables: Record<string, unknown> = {}) => {
    const answer = await client.send<FindingsPage>(bearer, PAGE, variables);
    if (answer.errors !== undefined || !answer.data) throw new Error(`no data: ${answer.text}`);
    return { data: answer.data, text: answer.text };
  };

  const lookups = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(metricsUrl)).text();
    const counts: Record<string, number> = { hit: 0, miss: 0, bypass: 0 };
    for (const m of text.matchAll(
      /^scantrail_findings_answer_cache_requests_total\{result="(\w+)"\} (\d+)$/gm,
    ))
      counts[m[1]] = Number(m[2]);
    return counts;
  };

  const generation = async (): Promise<string> =>
    (
      await stack.db.dataSource.query<{ g: string }[]>(
        'SELECT generation::text AS g FROM findings_generation',
      )
    )[0].g;

  /** Publishes events and waits until they are recorded and the findings worker caught up. */
  const publish = async (events: object[]): Promise<void> => {
    await stack.produceTo(
      events.map((e) => ({ partition: 0, value: Buffer.from(JSON.stringify(e)) })),
      'findings-cache-e2e',
    );
    sent += events.length;
    await stack.consumedThrough(sent, 1, 60_000, 'the ingest to record the events');
    await findingsSettled(stack.db.dataSource);
  };

  beforeAll(async () => {
    stack = await E2eStack.open(1);
    Object.assign(settings, { kafkaTopic: stack.topic });
    await stack.startIngest(settings);
    const api = await stack.startApi({ ...settings, ledgerSigner: undefined });
    client = new GraphqlClient(api.url);
    metricsUrl = api.url.replace(/\/graphql$/, '/metrics');
    await publish(Object.values(scenarioEvents()));
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('should serve a repeated page kept, byte for byte, and count the hit', async () => {
    const before = await lookups();
    const first = await page(officer);
    expect(first.data.findings.totalCount).toBeGreaterThan(0);
    // Kept from its second request, served kept from the third.
    for (let i = 0; i < 2; i++) expect((await page(officer)).text).toBe(first.text);
    const after = await lookups();
    expect(after.miss - before.miss).toBe(2);
    expect(after.hit - before.hit).toBe(1);
  });

  it("should never give a vendor another vendor's kept page", async () => {
    const vendors = [ACME, CLOUD, RESEARCH];
    const seen = new Map<string, string>();
    // Each vendor three times (kept at the second, served kept at the third), after the
    // officer's page was kept.
    for (let round = 0; round < 3; round++) {
      for (const vendorId of vendors) {
        const { data, text } = await page(token(['vendor'], vendorId));
        for (const edge of data.findings.edges) expect(edge.node.vendorId).toBe(vendorId);
        if (round > 0) expect(text).toBe(seen.get(vendorId));
        seen.set(vendorId, text);
      }
    }
    const withFindings = vendors.filter(
      (v) => (JSON.parse(seen.get(v)!) as { data: FindingsPage }).data.findings.totalCount > 0,
    );
    expect(withFindings.length).toBeGreaterThan(0);
    expect(new Set(seen.values()).size).toBe(vendors.length);
    // An auditor's page is kept apart from the officer's too, and a vendor naming another
    // vendor is refused every time (never kept).
    await page(token(['auditor']));
    for (let i = 0; i < 2; i++) {
      const refused = await client.send(token(['vendor'], ACME), PAGE, { vendorId: CLOUD });
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('should keep the answer while the ledger grows without a new finding', async () => {
    const kept = await page(officer);
    const before = { lookups: await lookups(), generation: await generation() };
    await publish([
      cloudEvent(
        'org.scantrail.vendor.registered',
        exampleData('org.scantrail.vendor.registered', { vendorId: 'vnd-quiet', name: 'Quiet' }),
      ),
      cloudEvent(
        'org.scantrail.study.registered',
        exampleData('org.scantrail.study.registered', { studyInstanceUid: '2.25.880001' }),
      ),
    ]);
    expect(await generation()).toBe(before.generation);
    const again = await page(officer);
    expect(again.text).toBe(kept.text);
    const after = await lookups();
    expect(after.hit - before.lookups.hit).toBe(1);
    expect(after.miss - before.lookups.miss).toBe(0);
  });

  it('should give a new finding in the very next answer once the findings worker committed it', async () => {
    const kept = await page(officer, { first: 500 });
    const acmeKept = await page(token(['vendor'], ACME), { first: 500 });
    // Asked again: both kept.
    expect((await page(officer, { first: 500 })).text).toBe(kept.text);
    expect((await page(token(['vendor'], ACME), { first: 500 })).text).toBe(acmeKept.text);
    const before = await generation();
    // A de-identified disclosure to ACME of a study never derived, under no agreement.
    const disclosure = cloudEvent(
      'org.scantrail.disclosure.recorded',
      exampleData('org.scantrail.disclosure.recorded', {
        disclosureId: 'dsc-cache-e2e',
        recipientVendorId: ACME,
        agreementId: undefined,
        target: { studyInstanceUid: '2.25.880002' },
      }),
    );
    await publish([disclosure]);
    expect(await generation()).not.toBe(before);
    // No waiting: the first request after the worker's commit.
    const fresh = await page(officer, { first: 500 });
    const added = fresh.data.findings.edges.filter((e) => e.node.eventId === disclosure.id);
    expect(added.length).toBeGreaterThan(0);
    expect(fresh.data.findings.totalCount).toBe(kept.data.findings.totalCount + added.length);
    const acme = await page(token(['vendor'], ACME), { first: 500 });
    expect(acme.data.findings.totalCount).toBe(acmeKept.data.findings.totalCount + added.length);
    // And what the database holds now, counted directly.
    const [{ n }] = await stack.db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM rm_findings',
    );
    expect(fresh.data.findings.totalCount).toBe(n);
  });
});
