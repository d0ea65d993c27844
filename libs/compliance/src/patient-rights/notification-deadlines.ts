// HIPAA breach notification deadlines (45 CFR 164.404, 164.406, 164.408) as CONTRACT.md
// section 3.1 fixes them.

const DAY_MS = 86_400_000;

/** Patients to notify at or above which HHS is told with the individuals (164.408(b)). */
export const HHS_IMMEDIATE_THRESHOLD = 500;
/** Patients to notify above which a media notice may be required (164.406: residents of one state). */
export const MEDIA_THRESHOLD = 500;

export interface NotificationDeadlines {
  individualNoticeDeadline: number;
  hhsNoticeDeadline: number;
  mediaNoticeMayBeRequired: boolean;
}

/** 164.404(b): without unreasonable delay and no later than 60 calendar days after discovery. */
export function individualNoticeDeadline(discoveredAt: number): number {
  return discoveredAt + 60 * DAY_MS;
}

/**
 * 164.408(c): breaches of fewer than 500 individuals are logged and reported to HHS within
 * 60 days after the end of the calendar year of discovery: the last instant of the 60th day
 * after December 31 (March 1, or February 29 in a leap year).
 */
export function yearEndHhsDeadline(discoveredAt: number): number {
  const year = new Date(discoveredAt).getUTCFullYear();
  return Date.UTC(year, 11, 31) + 61 * DAY_MS - 1;
}

export function notificationDeadlines(
  discoveredAt: number,
  patientsToNotify: number,
): NotificationDeadlines {
  const individual = individualNoticeDeadline(discoveredAt);
  return {
    individualNoticeDeadline: individual,
    hhsNoticeDeadline:
      patientsToNotify >= HHS_IMMEDIATE_THRESHOLD ? individual : yearEndHhsDeadline(discoveredAt),
    mediaNoticeMayBeRequired: patientsToNotify > MEDIA_THRESHOLD,
  };
}
