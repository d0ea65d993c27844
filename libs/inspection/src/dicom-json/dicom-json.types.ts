// The DICOM JSON Model (PS3.18 F.2): what DICOMweb returns, and what the Part 10 reader gives.

export interface DicomJsonElement {
  vr?: string;
  Value?: unknown;
  InlineBinary?: string;
  BulkDataURI?: string;
}

/** One instance's attributes keyed by tag `GGGGEEEE` (upper-case hex, as PS3.18 F.2 writes them). */
export type DicomJsonDataset = Record<string, DicomJsonElement | undefined>;
