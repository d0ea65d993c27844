// The GraphQL reads of the inspections panel (CONTRACT v1.1 `Study.inspections`): the
// inspections of several studies in one request, one alias per study.
import type { ApiClient } from '../api/graphql-client';
import type { StudyInspectionsFragment } from '../api/graphql-types.generated';

export type InspectionRow = StudyInspectionsFragment['inspections'][number];
export type InspectionIssueRow = InspectionRow['issues'][number];

/**
 * Most studies asked in one request: each is a root field, and the API allows 20 root
 * fields and 30 aliases per operation (a lineage rarely has more copies than this).
 */
export const MAX_STUDIES = 12;

// One study's part of the answer; the query asks it once per study, under an alias.
const STUDY_INSPECTIONS = /* GraphQL */ `
  fragment StudyInspections on Study {
    inspections {
      inspectionId
      occurredAt
      tool
      instances
      result
      methodCodesFound
      ledgerSequence
      issues {
        code
        instances
        keyword
        tag
      }
    }
  }
`;

/**
 * The inspections of each study, oldest first, by study uid; a study the viewer may not
 * see (or that is unknown) is left out.
 */
export async function inspectionsOfStudies(
  api: ApiClient,
  studyUids: readonly string[],
): Promise<Map<string, InspectionRow[]>> {
  const uids = studyUids.slice(0, MAX_STUDIES);
  if (uids.length === 0) return new Map();
  const variables: Record<string, string> = {};
  const parameters: string[] = [];
  const fields: string[] = [];
  uids.forEach((uid, i) => {
    variables[`u${i}`] = uid;
    parameters.push(`$u${i}: String!`);
    fields.push(`s${i}: study(studyInstanceUid: $u${i}) { ...StudyInspections }`);
  });
  const data = await api.query<Record<string, StudyInspectionsFragment | null>>(
    `query StudyInspections(${parameters.join(', ')}) { ${fields.join(' ')} }\n${STUDY_INSPECTIONS}`,
    variables,
  );
  const byStudy = new Map<string, InspectionRow[]>();
  uids.forEach((uid, i) => {
    const study = data[`s${i}`];
    if (study) byStudy.set(uid, study.inspections);
  });
  return byStudy;
}
