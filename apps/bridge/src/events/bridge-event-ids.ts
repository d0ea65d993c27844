import { createHmac } from 'node:crypto';

/**
 * Ids of what the bridge publishes: a keyed hash (HMAC-SHA256 with PSEUDONYM_KEY) of what
 * identifies the fact in Orthanc. Orthanc's own ids are unkeyed hashes of patient data,
 * so they never leave the bridge; the same fact always gets the same id, so a replay is
 * recorded once.
 */
export class BridgeEventIds {
  constructor(private readonly key: Buffer) {}

  private digest(kind: string, parts: readonly string[]): string {
    return createHmac('sha256', this.key)
      .update(['scantrail-orthanc-bridge', kind, ...parts].join('\u0000'))
      .digest('hex');
  }

  /** CloudEvents `id` of a fact. */
  eventId(kind: string, ...parts: string[]): string {
    return this.digest(kind, parts);
  }

  /** A shorter id for the event's data (disclosureId, inspectionId). */
  dataId(prefix: string, kind: string, ...parts: string[]): string {
    return `${prefix}-${this.digest(`${kind}:data`, parts).slice(0, 32)}`;
  }

  /** The bridge's own database key of an Orthanc resource or job. */
  stateKey(kind: string, orthancId: string): string {
    return this.digest(`${kind}:state`, [orthancId]).slice(0, 40);
  }
}
