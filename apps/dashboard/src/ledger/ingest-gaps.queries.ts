// The GraphQL document of the ledger page's "messages lost to the ledger" (privacy officers,
// auditors): what Kafka no longer held when the ingest came to read it, kept by the ingest
// for good (ingest_gaps). Its answer's types are generated from the API's schema.
import type { ApiClient } from '../api/graphql-client';
import type { IngestGapsQuery, IngestGapsQueryVariables } from '../api/graphql-types.generated';

export type IngestGapPage = IngestGapsQuery['ingestGaps'];
export type IngestGapRow = IngestGapPage['edges'][number]['node'];

export const INGEST_GAPS = /* GraphQL */ `
  query IngestGaps($kind: IngestGapKind, $first: Int, $after: String) {
    ingestGaps(kind: $kind, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          kind
          cause
          topic
          partition
          fromOffset
          toOffset
          count
          earliestOffset
          highWatermark
          consumerGroup
          noticedAt
        }
      }
    }
  }
`;

export async function ingestGaps(
  api: ApiClient,
  variables: IngestGapsQueryVariables,
): Promise<IngestGapPage> {
  return (await api.query<IngestGapsQuery>(INGEST_GAPS, variables)).ingestGaps;
}
