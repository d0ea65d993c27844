// The Orthanc bridge as people see it on the dashboard, with real parts: a hospital Orthanc
// whose peer is a vendor Orthanc, the built bridge, Kafka, PostgreSQL, ingest and API, and
// a headless Chromium. A de-identified copy goes to the mapped peer; the original goes to
// an unmapped DICOM modality and is held until someone maps it, and by DICOMweb (STOW), which
// Orthanc's plugin does not let the bridge record: the privacy officer must see that one.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { newUid, type DemoStudy } from '@scantrail/orthanc-local';
import { eventually } from '../support/test-env';
import {
  BridgeHarness,
  UNMAPPED_MODALITY,
  VENDOR_DICOMWEB,
  VENDOR_PEER,
} from '../bridge/bridge-harness';
import { axeViolations, violationLines } from './axe-check';
import { launchChromium, screenshotPath } from './browser-session';
import { buildDashboard } from './dashboard-server';
import { cutTexts } from './page-overflow';

const MAPPED = {
  [VENDOR_PEER]: {
    vendorId: 'vnd-acme',
    purpose: 'AI_TRAINING',
    legalBasis: 'DEIDENTIFIED',
    agreementId: 'agr-acme-1',
  },
};

const original: DemoStudy = {
  studyInstanceUid: newUid(),
  patientId: 'MRN-BROWSER-1',
  patientName: 'Roe^Richard',
  studyDate: '20240611',
  institutionName: 'General Hospital',
  description: 'CT head',
  series: [
    {
      seriesInstanceUid: newUid(),
      seriesNumber: 1,
      modality: 'CT',
      bodyPart: 'HEAD',
      instances: 2,
    },
  ],
};

const h = new BridgeHarness();
let browser: Browser;
let context: BrowserContext;
let page: Page;
let copyUid = '';
const pageErrors: string[] = [];

async function openAs(token: string): Promise<void> {
  await context?.close();
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`http://127.0.0.1:${h.api.port}/dashboard/#token=${token}`);
  await page.locator('#who-role').waitFor();
}

const go = (hash: string): Promise<unknown> =>
  page.goto(`http://127.0.0.1:${h.api.port}/dashboard/${hash}`);

const shoot = (name: string): Promise<Buffer> =>
  page.screenshot({ path: screenshotPath(name), fullPage: true });

/** WCAG 2.1 AA violations axe-core finds on the page now (test/browser/accessibility.e2e.ts covers the rest). */
const wcag = async (state: string): Promise<string[]> =>
  violationLines(state, await axeViolations(page));

beforeAll(async () => {
  await buildDashboard();
  await h.start(MAPPED);
  browser = await launchChromium();
  const originalId = await h.upload(original);
  await h.startBridge();
  // A copy made the proper way goes to the mapped peer; the original to an unmapped one.
  const copy = await h.orthanc<{ ID: string }>('POST', `/studies/${originalId}/anonymize`, {});
  copyUid = (
    await h.orthanc<{ MainDicomTags: { StudyInstanceUID: string } }>('GET', `/studies/${copy.ID}`)
  ).MainDicomTags.StudyInstanceUID;
  await h.orthanc('POST', `/peers/${VENDOR_PEER}/store`, {
    Resources: [copy.ID],
    Synchronous: true,
  });
  await h.orthanc('POST', `/modalities/${UNMAPPED_MODALITY}/store`, {
    Resources: [originalId],
    Synchronous: true,
  });
  await h.orthanc('POST', `/dicom-web/servers/${VENDOR_DICOMWEB}/stow`, {
    Resources: [originalId],
    Synchronous: true,
  });
  await eventually(
    async () => {
      // The copy is recorded as a derivative once stable; its send may be recorded first.
      const rows = await h.db.dataSource.query<{ sent: number; derived: number }[]>(
        `SELECT (SELECT count(*)::int FROM rm_disclosures WHERE target_study_uid = $1) AS sent,
                (SELECT count(*)::int FROM rm_derivations WHERE derived_uid = $1) AS derived`,
        [copyUid],
      );
      const health = await h.health();
      const { bridgeState } = await h.query<{ bridgeState: { unrecordedSends: number } }>(
        '{ bridgeState { unrecordedSends } }',
      );
      return rows[0]?.sent === 1 &&
        rows[0]?.derived === 1 &&
        health?.held.sends === 1 &&
        bridgeState.unrecordedSends === 1
        ? true
        : undefined;
    },
    120_000,
    'the copy recorded as a derivative, its send, the held send and the STOW not recorded',
  );
}, 300_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await h.stop();
}, 120_000);

describe('the PACS flow on the dashboard', () => {
  it('should call a privacy officer to act on a held send from the overview, and say what to do', async () => {
    await openAs(h.token(['privacy_officer']));
    const call = page.locator('#pacs-held-notice');
    await call.getByText('The PACS bridge holds 1 send').waitFor({ timeout: 30_000 });
    await page.locator('#vendors-table, #vendors .empty').first().waitFor();
    expect(await wcag('overview calling to act')).toEqual([]);
    await call.getByRole('link', { name: 'see what to do' }).click();
    const row = page.locator(`#held-items tr[data-destination="${UNMAPPED_MODALITY}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain(
      `destination "${UNMAPPED_MODALITY}" is not in BRIDGE_DESTINATIONS`,
    );
    expect(await row.locator('pre.snippet').innerText()).toContain(`"${UNMAPPED_MODALITY}"`);
    expect(await row.locator('a').first().innerText()).toBe(original.studyInstanceUid);
    // Whole in a 1280 px window, not "... is not in BRIDGE_DESTINATIO…": the reason names
    // what to map.
    await page.setViewportSize({ width: 1280, height: 1000 });
    expect(await cutTexts(row.locator('td:nth-child(3) > div'))).toEqual([]);
    await page.setViewportSize({ width: 1400, height: 1000 });
    const destination = page.locator(`#pacs-destinations tr[data-destination="${VENDOR_PEER}"]`);
    expect(await destination.innerText()).toContain('vnd-acme');
    expect(await destination.innerText()).toContain('Orthanc peer');
    await shoot('bridge-01-held');
    expect(await wcag('PACS holding a send')).toEqual([]);
  });

  it('should show a privacy officer first the STOW the bridge could not record, in plain words with what to do', async () => {
    await go('#/');
    const call = page.locator('#pacs-held-notice');
    await call
      .getByText('The PACS bridge could not record 1 send: images left with no disclosure')
      .waitFor({ timeout: 30_000 });
    await go('#/pacs');
    const row = page.locator('#unrecorded-sends tr[data-reason="dicomweb_unnamed"]');
    await row.waitFor();
    expect(await row.count()).toBe(1);
    const text = await row.innerText();
    for (const part of [
      'DICOMweb send (STOW)',
      `${original.series[0].instances} images`,
      'destination: Orthanc did not say',
      'Orthanc’s DICOMweb plugin does not say where it sent the images or which ones',
      'Send through an Orthanc peer or DICOM modality to have it recorded',
    ]) {
      expect(text).toContain(part);
    }
    expect(text).not.toContain('dicomweb_unnamed');
    // The key to look up in the bridge's log, whole: a cut one cannot be searched for.
    const jobKey = await row.getAttribute('data-job-key');
    const key = row.getByText(/^job key /);
    expect(await key.innerText()).toBe(`job key ${jobKey}`);
    expect(await cutTexts(key)).toEqual([]);
    expect(await page.locator('#pacs-unrecorded .stat-value').innerText()).toBe('1');
    // The count is of sends, each of any number of images: "1 / images that left" read as one.
    expect(await page.locator('#pacs-unrecorded .stat-note').innerText()).toMatch(/^sends? /);
    // The bridge that saw it, said so: a bare "urn:scantrail:orthanc:..." means nothing to a
    // newcomer.
    expect(text).toContain('seen by bridge urn:scantrail:orthanc:');
    // Above what is held: these images are gone already.
    const unrecordedTop = (await page.locator('#pacs-unrecorded-panel').boundingBox())?.y ?? 0;
    const heldTop = (await page.locator('#pacs-held-panel').boundingBox())?.y ?? 0;
    expect(unrecordedTop).toBeLessThan(heldTop);
    await shoot('bridge-04-unrecorded');
    expect(await wcag('PACS with a send not recorded')).toEqual([]);
  });

  it('should show on the lineage that the disclosure came from the PACS, and by which destination', async () => {
    await go(`#/lineage/${encodeURIComponent(original.studyInstanceUid)}`);
    await page.locator('#lineage-edges tbody tr').nth(1).waitFor();
    const disclosed = page.locator('#lineage-edges tbody tr').filter({ hasText: 'DISCLOSED' });
    expect(await disclosed.count()).toBe(1);
    await disclosed.locator('.badge-pacs').waitFor();
    expect(await disclosed.locator('.pacs-channel .small').innerText()).toBe(
      `Orthanc peer ${VENDOR_PEER}`,
    );
    const derived = page.locator('#lineage-edges tbody tr').filter({ hasText: 'DERIVED' });
    expect(await derived.locator('.badge-pacs').count()).toBe(0);
    await shoot('bridge-02-lineage');
    expect(await wcag('lineage through the PACS')).toEqual([]);
  });

  it('should list the destinations mapped to the vendor on its page', async () => {
    await go('#/vendors/vnd-acme');
    const row = page.locator(`#vendor-destinations tr[data-destination="${VENDOR_PEER}"]`);
    await row.waitFor();
    const text = await row.innerText();
    for (const part of ['AI training', 'De-identified', 'agr-acme-1', 'Orthanc peer']) {
      expect(text).toContain(part);
    }
    await shoot('bridge-03-vendor');
    expect(await wcag('vendor with its PACS destinations')).toEqual([]);
  });

  it('should show a vendor its own destination but not what the bridge holds', async () => {
    await openAs(h.token(['vendor'], 'vnd-acme'));
    expect(await page.locator('a.nav-link', { hasText: 'PACS' }).count()).toBe(0);
    await go('#/vendors/vnd-acme');
    await page.locator(`#vendor-destinations tr[data-destination="${VENDOR_PEER}"]`).waitFor();
    await go('#/pacs');
    await page.locator('#pacs-held .notice-forbidden').waitFor();
    await page.locator('#pacs-unrecorded .notice-forbidden').waitFor();
    expect(await page.locator('#pacs-held').innerText()).not.toContain(original.studyInstanceUid);
    expect(await page.locator('#unrecorded-sends').count()).toBe(0);
  });

  it('should show nothing held once the destination is mapped', async () => {
    h.writeDestinations({
      ...MAPPED,
      [UNMAPPED_MODALITY]: { vendorId: 'vnd-lab', purpose: 'RESEARCH', legalBasis: 'IRB_WAIVER' },
    });
    await eventually(
      async () => ((await h.health())?.held.sends === 0 ? true : undefined),
      60_000,
      'the held send released',
    );
    await openAs(h.token(['auditor']));
    // The overview has loaded (its vendors list) and calls to act on the STOW only: mapping
    // a destination records nothing of it.
    await page.locator('#vendors .empty, #vendors-table').first().waitFor();
    const call = page.locator('#pacs-held-notice');
    await call.getByText('The PACS bridge could not record 1 send').waitFor({ timeout: 30_000 });
    expect(await call.innerText()).not.toContain('holds');
    await go('#/pacs');
    await page.getByText('Nothing is held').waitFor();
    // The sends not recorded come in their own request (paged, s35-unrec).
    await page.locator('#pacs-unrecorded .pager-summary').waitFor();
    expect(await page.locator('#unrecorded-sends tbody tr').count()).toBe(1);
    const released = page
      .locator('#lineage-edges tbody tr')
      .filter({ hasText: `DICOM modality ${UNMAPPED_MODALITY}` });
    await eventually(
      async () => {
        await go(`#/lineage/${encodeURIComponent(original.studyInstanceUid)}`);
        await page.locator('#lineage-edges tbody tr').first().waitFor();
        return (await released.count()) === 1 ? true : undefined;
      },
      60_000,
      'the released send on the lineage',
    );
    expect(pageErrors).toEqual([]);
  });
});
