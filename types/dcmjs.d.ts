// dcmjs ships no typings. These are the parts of its data API that libs/inspection uses.
declare module 'dcmjs' {
  interface DcmjsElement {
    vr?: string;
    Value?: unknown;
    InlineBinary?: string;
    BulkDataURI?: string;
  }
  type DcmjsDataset = Record<string, DcmjsElement>;
  interface ReadFileOptions {
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    ignoreErrors?: boolean;
    noCopy?: boolean;
  }
  interface WriteOptions {
    allowInvalidVRLength?: boolean;
  }
  class DicomDict {
    constructor(meta: DcmjsDataset);
    meta: DcmjsDataset;
    dict: DcmjsDataset;
    write(options?: WriteOptions): ArrayBuffer;
  }
  class DicomMessage {
    static readFile(buffer: ArrayBuffer, options?: ReadFileOptions): DicomDict;
  }
  interface DictionaryEntry {
    tag: string;
    vr: string;
    vm: string;
    name: string;
  }
  class DicomMetaDictionary {
    static dictionary: Record<string, DictionaryEntry | undefined>;
    static nameMap: Record<string, DictionaryEntry | undefined>;
    static uid(): string;
    static denaturalizeDataset(dataset: Record<string, unknown>): DcmjsDataset;
    static naturalizeDataset(dataset: DcmjsDataset): Record<string, unknown>;
  }
  /** Shared instance per VR; its read(stream, length, ...) reads one value. */
  class ValueRepresentation {
    static createByTypeString(type: string): ValueRepresentation;
    static parseUnknownVr(type: string): ValueRepresentation;
  }
  const data: {
    DicomDict: typeof DicomDict;
    DicomMessage: typeof DicomMessage;
    DicomMetaDictionary: typeof DicomMetaDictionary;
    ValueRepresentation: typeof ValueRepresentation;
  };
  interface Logger {
    setLevel(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'): void;
  }
  const log: Logger & { getLoggers(): Record<string, Logger> };
  const dcmjs: { data: typeof data; log: typeof log };
  export {
    data,
    log,
    DcmjsDataset,
    DcmjsElement,
    DicomDict,
    DicomMessage,
    DicomMetaDictionary,
    ValueRepresentation,
  };
  export default dcmjs;
}
