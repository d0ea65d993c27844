/** A decompression stopped because its output would pass `limit` bytes. */
export class DecompressedPastLimit extends Error {
  override readonly name = 'DecompressedPastLimit';
  constructor(
    readonly limit: number,
    /** What showed it, when more than the output's size: a length header, a record count. */
    readonly detail?: string,
  ) {
    super(`it decompresses past ${limit} bytes${detail === undefined ? '' : ` (${detail})`}`);
  }
}
