import type { Locator, Page } from 'playwright-core';
import { DashboardSession, screenshotPath } from './browser-session';

/** What of the lineage graph the page measures (the tests compile without the DOM's types). */
interface SizedGraphic {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number };
}

// What a privacy officer sees of de-identification inspections (CONTRACT v1.1) in a real
// headless Chromium: a study's inspections on its lineage page, and the two findings that
// inspections cause in the chart, the legend and the code filter. The ledger is seeded by
// the demo stream, which inspects about half of its de-identified copies; what the page
// shows is checked against what the API answers.

interface Issue {
  code: string;
  instances: number;
  keyword: string | null;
  tag: string | null;
}
interface Inspection {
  inspectionId: string;
  occurredAt: string;
  tool: string;
  instances: number;
  result: 'PASS' | 'FAIL';
  methodCodesFound: string[];
  ledgerSequence: number;
  issues: Issue[];
}
interface Finding {
  studyInstanceUid: string;
  vendorId: string;
}

const session = DashboardSession.forSuite();
const { pageErrors } = session;
let page: Page;

/** The API as the officer, outside the browser: the ground truth the page is checked against. */
async function api<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${session.server.origin}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${session.server.tokens.officer}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

const INSPECTION_FIELDS = `inspectionId occurredAt tool instances result methodCodesFound
  ledgerSequence issues { code instances keyword tag }`;

async function findingsOf(code: string): Promise<Finding[]> {
  const data = await api<{ findings: { edges: { node: Finding }[] } }>(
    `query($code: FindingCode) { findings(code: $code, first: 50) {
      edges { node { studyInstanceUid vendorId } } } }`,
    { code },
  );
  return data.findings.edges.map((e) => e.node);
}

async function studyOf(uid: string): Promise<{
  derivedFrom: { studyInstanceUid: string } | null;
  inspections: Inspection[];
}> {
  const data = await api<{
    study: { derivedFrom: { studyInstanceUid: string } | null; inspections: Inspection[] };
  }>(
    `query($uid: String!) { study(studyInstanceUid: $uid) {
      derivedFrom { studyInstanceUid } inspections { ${INSPECTION_FIELDS} } } }`,
    { uid },
  );
  return data.study;
}

/** The latest inspection (CONTRACT section 2): latest time, ties by ledger sequence. */
function latestOf(inspections: readonly Inspection[]): Inspection {
  return [...inspections].sort(
    (a, b) => b.occurredAt.localeCompare(a.occurredAt) || b.ledgerSequence - a.ledgerSequence,
  )[0];
}

/** An attribute of every element `locator` matches, in page order. */
async function attributesOf(locator: Locator, name: string): Promise<(string | null)[]> {
  return Promise.all((await locator.all()).map((element) => element.getAttribute(name)));
}

beforeAll(async () => {
  page = await session.openPage();
  await page.goto(`${session.server.dashboardUrl}#token=${session.server.tokens.officer}`);
  await session.waitForText('#who-role', 'Privacy officer');
});

describe('de-identification inspections on the dashboard', () => {
  it("should show a failed copy's inspections on its original's lineage page, issue by issue, without values", async () => {
    const [failed] = await findingsOf('DEIDENTIFICATION_FAILED');
    expect(failed).toBeDefined();
    const copy = await studyOf(failed.studyInstanceUid);
    const source = copy.derivedFrom?.studyInstanceUid;
    expect(source).toBeDefined();
    const latest = latestOf(copy.inspections);
    expect(latest.result).toBe('FAIL');

    await page.goto(
      `${session.server.dashboardUrl}#/lineage/${encodeURIComponent(source as string)}`,
    );
    const block = page.locator(
      `#inspections-panel .inspection-study[data-study="${failed.studyInstanceUid}"]`,
    );
    await block.waitFor({ timeout: 30000 });
    expect(await block.locator('h3').innerText()).toContain(`Copy ${failed.studyInstanceUid}`);
    // One card per inspection, oldest first, as the API gives them; the latest is marked.
    expect(await attributesOf(block.locator('.inspection'), 'data-inspection')).toEqual(
      copy.inspections.map((i) => i.inspectionId),
    );
    const card = block.locator(`.inspection[data-inspection="${latest.inspectionId}"]`);
    expect(await card.getAttribute('data-result')).toBe('FAIL');
    const head = await card.locator('.inspection-head').innerText();
    expect(head).toContain('Failed');
    expect(head).toContain('latest: decides findings');
    expect(head).toContain(`${latest.instances.toLocaleString('en-US')} instances read`);
    expect(head).toContain(latest.tool);
    expect(head).toContain(`ledger #${latest.ledgerSequence}`);
    expect(head).toContain(latest.occurredAt.slice(0, 16).replace('T', ' '));

    // Issues: code (with its words), tag, keyword, and how many of the instances had it.
    const rows = await Promise.all(
      (await card.locator('table.inspection-issues tbody tr').all()).map(async (tr) => ({
        code: await tr.getAttribute('data-issue'),
        cells: (await tr.locator('td').allInnerTexts()).map((text) => text.trim()),
      })),
    );
    expect(rows.map((r) => r.code)).toEqual(latest.issues.map((i) => i.code));
    latest.issues.forEach((issue, i) => {
      const [what, tag, keyword, instances] = rows[i]?.cells ?? [];
      expect(what).toContain(issue.code);
      expect(tag).toBe(issue.tag ? `(${issue.tag})` : '–');
      expect(keyword).toBe(issue.keyword ?? '–');
      expect(instances).toBe(
        `${issue.instances.toLocaleString('en-US')} of ${latest.instances.toLocaleString('en-US')}`,
      );
    });

    // Never a value: the demo's identifiers are MRN-nnnnnn, and the panel shows none.
    const panelText = await page.locator('#inspections-panel').innerText();
    expect(panelText).not.toMatch(/MRN-\d+/);
    await page.locator('#inspections-panel').screenshot({
      path: screenshotPath('inspection-01-failed-copy-panel'),
    });
    // A busy graph shrunk to the card's width drew its 13 px labels at 7 px: at most a fifth
    // smaller, then it scrolls sideways in its frame.
    const scale = await page
      .locator('#lineage-graph svg.lineage')
      .evaluate(
        (svg: SizedGraphic) =>
          svg.getBoundingClientRect().width / Number(svg.getAttribute('width')),
      );
    expect(scale).toBeGreaterThanOrEqual(0.8);
    await session.shoot('inspection-02-lineage-page');
  });

  it('should show a passed inspection and name the copies never inspected', async () => {
    // Studies with findings of any kind; among their copies, one whose latest inspection passed.
    const seen = new Set<string>();
    let passed: { copy: string; source: string; inspection: Inspection } | undefined;
    for (const code of ['NO_AGREEMENT', 'NOT_DEIDENTIFIED', 'FACE_NOT_REMOVED', 'NO_CONSENT']) {
      for (const finding of await findingsOf(code)) {
        if (passed || seen.has(finding.studyInstanceUid)) continue;
        seen.add(finding.studyInstanceUid);
        const study = await studyOf(finding.studyInstanceUid);
        if (study.derivedFrom && study.inspections.length > 0) {
          const latest = latestOf(study.inspections);
          if (latest.result === 'PASS') {
            passed = {
              copy: finding.studyInstanceUid,
              source: study.derivedFrom.studyInstanceUid,
              inspection: latest,
            };
          }
        }
      }
    }
    expect(passed).toBeDefined();
    const { copy, inspection } = passed as NonNullable<typeof passed>;

    await page.goto(`${session.server.dashboardUrl}#/lineage/${encodeURIComponent(copy)}`);
    const card = page.locator(
      `#inspections-panel .inspection-study[data-study="${copy}"] .inspection[data-inspection="${inspection.inspectionId}"]`,
    );
    await card.waitFor({ timeout: 30000 });
    expect(await card.getAttribute('data-result')).toBe('PASS');
    expect(
      await page
        .locator(`#inspections-panel .inspection-study[data-study="${copy}"] h3`)
        .innerText(),
    ).toBe(`Copy ${copy}`);
    expect(await card.locator('.inspection-head').innerText()).toContain('Passed');
    expect(await card.locator('table.inspection-issues').count()).toBe(0);
    // The method codes found in the files, in words with each code beside them.
    const head = await card.locator('.inspection-head').innerText();
    if (inspection.methodCodesFound.length === 0) expect(head).toContain('none');
    for (const code of inspection.methodCodesFound) expect(head).toContain(`(${code})`);
    if (inspection.methodCodesFound.includes('113100')) {
      expect(head).toContain('Basic profile (113100)');
    }
    expect(inspection.methodCodesFound).toContain('113100');
    await session.shoot('inspection-03-passed-copy');

    // The original's page names every copy of its lineage that no one inspected.
    const { source } = passed as NonNullable<typeof passed>;
    const lineage = await api<{
      study: {
        derivatives: { studyInstanceUid: string; inspections: { inspectionId: string }[] }[];
      };
    }>(
      `query($uid: String!) { study(studyInstanceUid: $uid) {
        derivatives { studyInstanceUid inspections { inspectionId } } } }`,
      { uid: source },
    );
    const uninspected = lineage.study.derivatives
      .filter((d) => d.inspections.length === 0)
      .map((d) => d.studyInstanceUid);
    await page.goto(`${session.server.dashboardUrl}#/lineage/${encodeURIComponent(source)}`);
    await page.locator(`#inspections-panel .inspection-study[data-study="${copy}"]`).waitFor();
    if (uninspected.length > 0) {
      const line = await page.locator('#copies-not-inspected').innerText();
      for (const uid of uninspected) expect(line).toContain(uid);
    } else {
      expect(await page.locator('#copies-not-inspected').count()).toBe(0);
    }
  });

  it('should say so when neither the study nor a copy of it was inspected', async () => {
    // A registered original without copies: nothing was ever read of its files.
    const data = await api<{ findings: { edges: { node: Finding }[] } }>(
      `{ findings(code: NO_CONSENT, first: 50) { edges { node { studyInstanceUid vendorId } } } }`,
    );
    let alone: string | undefined;
    for (const { node } of data.findings.edges) {
      const study = await api<{
        study: { derivedFrom: unknown; derivatives: unknown[]; inspections: unknown[] };
      }>(
        `query($uid: String!) { study(studyInstanceUid: $uid) {
          derivedFrom { studyInstanceUid } derivatives { studyInstanceUid } inspections { inspectionId } } }`,
        { uid: node.studyInstanceUid },
      );
      if (
        study.study.derivedFrom === null &&
        study.study.derivatives.length === 0 &&
        study.study.inspections.length === 0
      ) {
        alone = node.studyInstanceUid;
        break;
      }
    }
    expect(alone).toBeDefined();
    await page.goto(
      `${session.server.dashboardUrl}#/lineage/${encodeURIComponent(alone as string)}`,
    );
    await session.waitForText(
      '#inspections-panel',
      'No inspection of this study or its copies is recorded',
    );
    expect(await page.locator('#inspections-panel .inspection').count()).toBe(0);
  });

  it('should chart, list and filter the two findings that inspections cause', async () => {
    const counts = await api<{ findingCountsByMonth: { code: string; count: number }[] }>(
      '{ findingCountsByMonth { month code count } }',
    );
    const total = (code: string): number =>
      counts.findingCountsByMonth.filter((c) => c.code === code).reduce((n, c) => n + c.count, 0);
    expect(total('DEIDENTIFICATION_FAILED')).toBeGreaterThan(0);
    expect(total('PATIENT_IDENTIFIABLE')).toBeGreaterThan(0);

    await page.goto(`${session.server.dashboardUrl}#/`);
    await page.locator('#findings-chart svg.chart').waitFor({ timeout: 30000 });
    const legend = await page.locator('#findings-chart .legend li').allInnerTexts();
    const legendCount = (label: string): number => {
      const item = legend.find((text) => text.startsWith(label));
      return Number((item ?? '').replace(label, '').replace(/[^\d]/g, ''));
    };
    expect(legendCount('De-identification failed')).toBe(total('DEIDENTIFICATION_FAILED'));
    expect(legendCount('Patient identifiable')).toBe(total('PATIENT_IDENTIFIABLE'));
    await session.shoot('inspection-04-overview-legend');

    // On the vendor of an identifiable copy, the filter offers both codes and narrows to one.
    const [identifiable] = await findingsOf('PATIENT_IDENTIFIABLE');
    expect(identifiable).toBeDefined();
    await page.goto(
      `${session.server.dashboardUrl}#/vendors/${encodeURIComponent(identifiable.vendorId)}`,
    );
    const filter = page.locator('#code-filter');
    await filter.waitFor({ timeout: 30000 });
    const options = await Promise.all(
      (await filter.locator('option').all()).map(async (o) => [
        await o.getAttribute('value'),
        ((await o.textContent()) ?? '').trim(),
      ]),
    );
    expect(options).toContainEqual(['DEIDENTIFICATION_FAILED', 'De-identification failed']);
    expect(options).toContainEqual(['PATIENT_IDENTIFIABLE', 'Patient identifiable']);
    await filter.selectOption('PATIENT_IDENTIFIABLE');
    await page
      .locator('#vendor-findings tbody tr .chip[data-code="PATIENT_IDENTIFIABLE"]')
      .first()
      .waitFor({ timeout: 30000 });
    const shown = await attributesOf(page.locator('#vendor-findings tbody tr .chip'), 'data-code');
    expect(shown.length).toBeGreaterThan(0);
    expect(new Set(shown)).toEqual(new Set(['PATIENT_IDENTIFIABLE']));
    await session.shoot('inspection-05-vendor-filter');
    expect(pageErrors).toEqual([]);
  });
});
