// Attack: hostile values beyond the vendor's name (hostile-values.e2e.ts) in the other views
// that show recorded text: a dataset's name, a model's version, a disclosure's description, a
// breach's description, a deletion request's legal ground (5,000 characters without a space,
// with an RTL override left open, emoji and markup), and ids at their 200-character limit (breach,
// request, agreement). Each page must stay usable: nothing wider than the window (no table
// cell, link or heading grown to a value's length), a cut value keeps its whole text in a
// title, and nothing in it is executed.
// Reproduce: npx jest --config jest.e2e.config.js test/browser/hostile-views.e2e.ts
import { cloudEvent } from '@scantrail/contract/testing';
import { DashboardSession } from './browser-session';
import { expectUsable } from './page-overflow';

// The RTL override is left open: nothing closes it but the element the page puts it in.
const hostile = (what: string): string =>
  `\u202e${what} <img src=x onerror="window.__pwned=1"> 😈👩‍👩‍👧 ` + 'W'.repeat(5_000);

const VENDOR = 'vnd-hostile-views';
const VENDOR_NAME = hostile('vendor');
const STUDY = '1.2.826.0.1.3680043.8.498.' + '9'.repeat(37); // 64 characters, DICOM's most
const LONG_STUDY = '1.2.' + '9'.repeat(196); // 200 characters, the contract's longest id
const DATASET = 'ds-hostile';
const DATASET_NAME = hostile('dataset');
const MODEL_VERSION = hostile('model');
const DISCLOSURE_DESCRIPTION = hostile('disclosure');
const AGREEMENT = 'agr-' + 'A'.repeat(196);
const BREACH = 'brc-' + 'B'.repeat(196);
const BREACH_DESCRIPTION = hostile('breach');
const REQUEST = 'del-' + 'R'.repeat(196);
const LEGAL_GROUND = hostile('ground');
const PATIENT = { system: 'urn:oid:2.16.840.1.113883.3.7', value: 'MRN-HOSTILE-1' };

const at = (time: string): { time: string } => ({ time });

const session = DashboardSession.forSuite({
  demoRuns: 1,
  eventsPerRun: 100,
  alsoRecord: [
    cloudEvent(
      'org.scantrail.vendor.registered',
      { vendorId: VENDOR, name: VENDOR_NAME, role: 'AI_DEVELOPER', address: hostile('address') },
      at('2024-01-01T00:00:00Z'),
    ),
    cloudEvent(
      'org.scantrail.agreement.signed',
      {
        agreementId: AGREEMENT,
        vendorId: VENDOR,
        kind: 'DUA',
        permittedPurposes: ['AI_TRAINING'],
        effectiveFrom: '2024-01-01',
        allowsOnwardTransfer: false,
      },
      at('2024-01-01T00:00:00Z'),
    ),
    cloudEvent(
      'org.scantrail.study.registered',
      {
        studyInstanceUid: STUDY,
        patient: PATIENT,
        modality: 'CT',
        bodyPart: 'HEAD',
        studyDate: '2024-01-10',
        facility: 'General',
        description: hostile('study'),
      },
      at('2024-01-10T00:00:00Z'),
    ),
    cloudEvent(
      'org.scantrail.study.registered',
      {
        studyInstanceUid: LONG_STUDY,
        patient: PATIENT,
        modality: 'MR',
        bodyPart: 'HEAD',
        studyDate: '2024-01-11',
        facility: 'General',
      },
      at('2024-01-11T00:00:00Z'),
    ),
    cloudEvent(
      'org.scantrail.dataset.assembled',
      { datasetId: DATASET, name: DATASET_NAME, studyInstanceUids: [STUDY] },
      at('2024-02-01T00:00:00Z'),
    ),
    cloudEvent(
      'org.scantrail.disclosure.recorded',
      {
        disclosureId: 'dis-hostile',
        recipientVendorId: VENDOR,
        target: { datasetId: DATASET },
        purpose: 'AI_TRAINING',
        legalBasis: 'PATIENT_AUTHORIZATION',
        agreementId: AGREEMENT,
        description: DISCLOSURE_DESCRIPTION,
        channel: hostile('channel'),
      },
      at('2024-03-01T00:00:00Z'),
    ),
    cloudEvent(
      'org.scantrail.model.trained',
      {
        vendorId: VENDOR,
        modelId: 'mdl-hostile',
        modelVersion: MODEL_VERSION,
        target: { datasetId: DATASET },
        usage: 'TRAINING',
      },
      at('2024-03-10T00:00:00Z'),
    ),
    cloudEvent(
      'org.scantrail.deletion.requested',
      { requestId: REQUEST, patient: PATIENT, dueBy: '2024-04-30', legalGround: LEGAL_GROUND },
      at('2024-04-01T00:00:00Z'),
    ),
    cloudEvent(
      'org.scantrail.breach.reported',
      {
        breachId: BREACH,
        vendorId: VENDOR,
        discoveredAt: '2024-05-10',
        exposureFrom: '2024-03-01',
        exposureTo: '2024-05-09',
        description: BREACH_DESCRIPTION,
      },
      at('2024-05-10T00:00:00Z'),
    ),
  ],
});

describe('dashboard views with hostile values beyond the vendor name', () => {
  it('should keep the lineage of a study within the window (dataset name, model version, vendor name, channel)', async () => {
    const page = await session.openAs(session.server.tokens.officer);
    await session.goToView(`#/lineage/${encodeURIComponent(STUDY)}`);
    await page.locator('#lineage-edges tbody tr').first().waitFor({ timeout: 30000 });
    await page
      .locator('#study-findings-panel table, #study-findings-panel .empty')
      .first()
      .waitFor();
    await expectUsable(page, 'hostile-views-01-lineage', session.pageErrors);
  });

  it('should keep the lineage heading of a study with a 200-character uid within the window', async () => {
    const page = await session.openAs(session.server.tokens.officer);
    await session.goToView(`#/lineage/${encodeURIComponent(LONG_STUDY)}`);
    await page.locator('h1', { hasText: LONG_STUDY.slice(0, 40) }).waitFor({ timeout: 30000 });
    await expectUsable(page, 'hostile-views-07-long-uid', session.pageErrors);
  });

  it('should keep the breach list and a breach with a 200-character id within the window', async () => {
    const page = await session.openAs(session.server.tokens.officer);
    await session.goToView('#/breaches');
    await page.locator(`tr[data-breach="${BREACH}"]`).waitFor({ timeout: 30000 });
    await expectUsable(page, 'hostile-views-02-breaches', session.pageErrors);

    await session.goToView(`#/breaches/${encodeURIComponent(BREACH)}`);
    await page.locator('h1').filter({ hasText: 'Breach' }).first().waitFor();
    await page
      .getByText(/W{100}/)
      .first()
      .waitFor({ timeout: 30000 });
    await expectUsable(page, 'hostile-views-03-breach', session.pageErrors);
  });

  it('should keep the deletion requests within the window (200-character id, hostile legal ground and holder)', async () => {
    const page = await session.openAs(session.server.tokens.officer);
    await session.goToView('#/deletion-requests');
    const row = page.locator(`tr[data-request="${REQUEST}"]`);
    await row.waitFor({ timeout: 30000 });
    await row.locator('details summary').click();
    await expectUsable(page, 'hostile-views-04-deletion-requests', session.pageErrors);
  });

  it("should keep a patient's accounting within the window (recipient name and address, description, 200-character agreement)", async () => {
    const page = await session.openAs(session.server.tokens.officer);
    await session.goToView('#/patients');
    await page.locator('#patient-system').fill(PATIENT.system);
    await page.locator('#patient-value').fill(PATIENT.value);
    await page.locator('#lookup-button').click();
    await page.locator('#accounting-table tbody tr').first().waitFor({ timeout: 30000 });
    await expectUsable(page, 'hostile-views-05-accounting', session.pageErrors);
  });

  it("should keep the hostile vendor's own page within the window (findings, obligations, chart)", async () => {
    const page = await session.openAs(session.server.tokens.officer);
    await session.goToView(`#/vendors/${VENDOR}`);
    await page
      .locator('#vendor-findings table, #vendor-findings .empty')
      .first()
      .waitFor({ timeout: 30000 });
    await page
      .locator('#vendor-chart svg, #vendor-chart .empty')
      .first()
      .waitFor({ timeout: 30000 });
    await expectUsable(page, 'hostile-views-06-vendor', session.pageErrors);
  });
});
