import { evaluateDeletionRequest } from './deletion-request.evaluation';
import { PatientRightsIndex } from './patient-rights.index';
import {
  aRequest,
  aRightsWorld,
  attested,
  day,
  disclosed,
  registered,
} from './testing/patient-rights-world.factory';

// CONTRACT v1.1 section 3.1: attestationEventId is the earliest covering attestation;
// ties: the smaller event id *by code point*. U+FF21 (code point 0xFF21) is smaller than
// U+1F600 (code point 0x1F600), though UTF-16 puts the astral one first (0xD83D < 0xFF21).
describe("attestationEventId tie-break by code point (a helper's attack, session 26)", () => {
  it.each([
    ['astral listed first', ['\u{1F600}', '\uFF21']],
    ['BMP listed first', ['\uFF21', '\u{1F600}']],
  ])(
    'should name the smaller id by code point when two attestations are at the same instant (%s)',
    (_, ids) => {
      const world = aRightsWorld({
        studies: [registered('S1')],
        disclosures: [disclosed('V1', 'S1', day(10))],
        deletions: ids.map((id) => attested('V1', 'S1', day(55), id)),
      });
      const state = evaluateDeletionRequest(aRequest(), new PatientRightsIndex(world, day(60)));
      expect(state?.obligations[0]).toMatchObject({
        status: 'FULFILLED',
        attestationEventId: '\uFF21',
      });
    },
  );
});
