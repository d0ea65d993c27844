// Builds small but real DICOM Part 10 files with dcmjs, for tests and the benchmark: one head CT
// series with the identifying attributes a careless de-identification leaves behind.
import { deflateRawSync } from 'node:zlib';
import { data as dcmjsData } from 'dcmjs';

export const TRANSFER_SYNTAX = {
  EXPLICIT_LITTLE: '1.2.840.10008.1.2.1',
  IMPLICIT_LITTLE: '1.2.840.10008.1.2',
  EXPLICIT_BIG: '1.2.840.10008.1.2.2',
  DEFLATED: '1.2.840.10008.1.2.1.99',
} as const;
export type TransferSyntax = (typeof TRANSFER_SYNTAX)[keyof typeof TRANSFER_SYNTAX];

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

export interface InstanceSpec {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid?: string;
  instanceNumber?: number;
  modality?: string;
  /** Omit to leave Body Part Examined out. */
  bodyPart?: string;
  studyDescription?: string;
  seriesDescription?: string;
  patientName?: string;
  patientId?: string;
  issuerOfPatientId?: string;
  otherPatientIds?: { value: string; issuer?: string }[];
  patientBirthDate?: string;
  studyDate?: string;
  institutionName?: string;
  institutionAddress?: string;
  /** `YES`, `NO` or omitted. */
  patientIdentityRemoved?: string;
  methodCodes?: string[];
  burnedInAnnotation?: string;
  /** Adds a private creator and one private attribute in group 0009. */
  privateAttributes?: boolean;
  /** With privateAttributes: the text of that attribute, (0009,1001) LO; default `private note`. */
  privateNote?: string;
  /** With privateAttributes: also a private OB attribute (0009,1002) holding these bytes. */
  privateBinary?: Uint8Array;
  transferSyntax?: TransferSyntax;
  /** Rows and columns of the (zero) pixel data. */
  size?: number;
}

let uidCounter = 0;
/** A fresh UID under the 2.25 root (UUID-derived form, PS3.5 B.2). */
export function testUid(): string {
  uidCounter += 1;
  return `2.25.${BigInt(Date.now()) * 1000000n + BigInt(uidCounter)}${Math.floor(Math.random() * 1e6)}`;
}

function naturalDataset(spec: InstanceSpec): Record<string, unknown> {
  const size = spec.size ?? 8;
  const dataset: Record<string, unknown> = {
    SOPClassUID: CT_IMAGE_STORAGE,
    SOPInstanceUID: spec.sopInstanceUid ?? testUid(),
    StudyInstanceUID: spec.studyInstanceUid,
    SeriesInstanceUID: spec.seriesInstanceUid,
    InstanceNumber: spec.instanceNumber ?? 1,
    Modality: spec.modality ?? 'CT',
    Rows: size,
    Columns: size,
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    PatientName: spec.patientName ?? '',
    PatientID: spec.patientId ?? '',
  };
  const optional: Record<string, unknown> = {
    BodyPartExamined: spec.bodyPart,
    StudyDescription: spec.studyDescription,
    SeriesDescription: spec.seriesDescription,
    IssuerOfPatientID: spec.issuerOfPatientId,
    PatientBirthDate: spec.patientBirthDate,
    StudyDate: spec.studyDate,
    InstitutionName: spec.institutionName,
    InstitutionAddress: spec.institutionAddress,
    PatientIdentityRemoved: spec.patientIdentityRemoved,
    BurnedInAnnotation: spec.burnedInAnnotation,
  };
  for (const [keyword, value] of Object.entries(optional)) {
    if (value !== undefined) dataset[keyword] = value;
  }
  if (spec.otherPatientIds) {
    dataset.OtherPatientIDsSequence = spec.otherPatientIds.map((other) =>
      other.issuer === undefined
        ? { PatientID: other.value }
        : { PatientID: other.value, IssuerOfPatientID: other.issuer },
    );
  }
  if (spec.methodCodes) {
    dataset.DeidentificationMethodCodeSequence = spec.methodCodes.map((code) => ({
      CodeValue: code,
      CodingSchemeDesignator: 'DCM',
      CodeMeaning: `method ${code}`,
    }));
  }
  return dataset;
}

/** One Part 10 file, in the transfer syntax asked for, with zero-valued pixel data. */
export function buildInstance(spec: InstanceSpec): Uint8Array {
  const syntax = spec.transferSyntax ?? TRANSFER_SYNTAX.EXPLICIT_LITTLE;
  const natural = naturalDataset(spec);
  const dict = dcmjsData.DicomMetaDictionary.denaturalizeDataset(natural);
  if (spec.privateAttributes) {
    dict['00090010'] = { vr: 'LO', Value: ['SCANTRAIL TEST'] };
    dict['00091001'] = { vr: 'LO', Value: [spec.privateNote ?? 'private note'] };
    if (spec.privateBinary) {
      const { buffer, byteOffset, byteLength } = spec.privateBinary;
      dict['00091002'] = { vr: 'OB', Value: [buffer.slice(byteOffset, byteOffset + byteLength)] };
    }
  }
  const size = spec.size ?? 8;
  dict['7FE00010'] = { vr: 'OW', Value: [new ArrayBuffer(size * size * 2)] };
  const writeSyntax =
    syntax === TRANSFER_SYNTAX.DEFLATED ? TRANSFER_SYNTAX.EXPLICIT_LITTLE : syntax;
  const file = new dcmjsData.DicomDict({
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: [CT_IMAGE_STORAGE] },
    '00020003': { vr: 'UI', Value: [natural.SOPInstanceUID] },
    '00020010': { vr: 'UI', Value: [writeSyntax] },
    '00020012': { vr: 'UI', Value: ['2.25.1'] },
  });
  file.dict = dict;
  const bytes = new Uint8Array(file.write());
  return syntax === TRANSFER_SYNTAX.DEFLATED ? deflated(bytes) : bytes;
}

/** Re-encodes an explicit little-endian file as Deflated Explicit VR Little Endian. */
function deflated(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const metaLength = view.getUint32(140, true);
  const datasetStart = 144 + metaLength;
  const meta = Buffer.from(bytes.subarray(0, datasetStart));
  const explicit = Buffer.from(TRANSFER_SYNTAX.EXPLICIT_LITTLE);
  const at = meta.indexOf(explicit);
  // Same length (19 bytes, padded to 20) as the deflated UID with its padding; keeps group length.
  const replacement = Buffer.from(`${TRANSFER_SYNTAX.DEFLATED}\0`.slice(0, 22));
  const lengthAt = at - 2;
  const header = Buffer.concat([
    meta.subarray(0, lengthAt),
    Buffer.from([replacement.length & 0xff, replacement.length >> 8]),
    replacement,
    meta.subarray(at + explicit.length + (explicit.length % 2)),
  ]);
  header.writeUInt32LE(header.length - 144, 140);
  return new Uint8Array(
    Buffer.concat([header, deflateRawSync(Buffer.from(bytes.subarray(datasetStart)))]),
  );
}

export interface HeadCtSeriesOptions extends Omit<
  InstanceSpec,
  'seriesInstanceUid' | 'instanceNumber'
> {
  seriesInstanceUid?: string;
  slices?: number;
}

/** A head CT series (24 slices unless told), each slice a Part 10 file. */
export function buildHeadCtSeries(options: HeadCtSeriesOptions): Uint8Array[] {
  const seriesInstanceUid = options.seriesInstanceUid ?? testUid();
  return Array.from({ length: options.slices ?? 24 }, (_, index) =>
    buildInstance({
      bodyPart: 'HEAD',
      modality: 'CT',
      ...options,
      seriesInstanceUid,
      instanceNumber: index + 1,
    }),
  );
}
