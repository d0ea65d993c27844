import { INSPECTOR_TOOL, type DicomJsonDataset } from '@scantrail/inspection';
import { inspectionData } from './study-inspection';

describe('inspectionData', () => {
  it("should carry the inspection rules' version in tool, so inspections by other rules tell apart", () => {
    // Attack: the rules changed (INSPECTOR_TOOL 1.0.0 -> 1.1.0: what ORIGINAL_VALUE_RETAINED and
    // the identifiers found report) while the bridge's inspections kept 'scantrail-bridge
    // 0.1.0', so an auditor could not tell which rules a recorded PASS was made by.
    const copy: DicomJsonDataset = {
      '0020000D': { vr: 'UI', Value: ['1.2.3.4'] },
      '00120062': { vr: 'CS', Value: ['YES'] },
    };
    expect(inspectionData([copy], [copy]).tool).toEqual({
      name: 'scantrail-bridge',
      version: INSPECTOR_TOOL.version,
    });
  });
});
