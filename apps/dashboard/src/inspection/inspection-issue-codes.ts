// The inspection issue codes of CONTRACT v1.1 section 1, and scantrail-inspect's own, in the
// words the dashboard shows them in. Another inspector's own codes are shown as they come.

const LABELS: ReadonlyMap<string, string> = new Map([
  ['IDENTIFYING_ATTRIBUTE_PRESENT', 'Identifying attribute present'],
  ['ORIGINAL_VALUE_RETAINED', "Original study's value retained"],
  ['IDENTITY_REMOVED_NOT_MARKED', 'Patient Identity Removed not marked YES'],
  ['BURNED_IN_ANNOTATION', 'Burned-in annotation in the pixels'],
  ['PRIVATE_ATTRIBUTES_RETAINED', 'Private attributes retained'],
  ['FACE_RECONSTRUCTABLE', 'Face can be reconstructed (head CT/MR)'],
  ['PATIENT_IDENTITY_ELSEWHERE', "Patient's name or ID in another attribute"],
]);

export function issueLabel(code: string): string {
  return LABELS.get(code) ?? code;
}
