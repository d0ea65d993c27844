// How the dashboard writes numbers and times: fixed formats in UTC, the same on every
// machine (audit evidence should not change with the reader's locale).

export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** 2025-01-06 08:00 UTC */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** 2025-01-06 */
export function formatDay(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 10);
}

export function titleCase(word: string): string {
  const spaced = word.replace(/_/g, ' ').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** A vendor's role as people write it ("AI developer", not "Ai developer"). */
export function vendorRoleLabel(role: string): string {
  return titleCase(role).replace(/\bAi\b/, 'AI');
}
