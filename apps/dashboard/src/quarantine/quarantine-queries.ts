// The GraphQL document of the quarantine page: refused messages, oldest first, one page at
// a time. The API may end a page early (a byte cap on the raw messages), so callers follow
// pageInfo rather than counting rows.
import { PAGE_SIZE, type Connection } from '../api/dashboard-queries';
import type { ApiClient } from '../api/graphql-client';

export interface QuarantineRow {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  receivedAt: string;
  /** AS_RECEIVED, REDACTED_JSON or WITHHELD: what rawBase64 holds. */
  rawForm: string;
  rawEncoding: string | null;
  rawBase64: string;
  byteLength: number;
  sha256: string;
}

export async function quarantinePage(
  api: ApiClient,
  after: string | null,
): Promise<Connection<QuarantineRow>> {
  const data = await api.query<{ quarantine: Connection<QuarantineRow> }>(
    `query Quarantine($first: Int, $after: String) { quarantine(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { topic partition offset reason receivedAt rawForm rawEncoding
        rawBase64 byteLength sha256 } } } }`,
    { first: PAGE_SIZE, after },
  );
  return data.quarantine;
}
