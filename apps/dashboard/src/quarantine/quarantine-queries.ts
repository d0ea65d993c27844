// The GraphQL document of the quarantine page: refused messages, oldest first, one page at
// a time. The API may end a page early (a byte cap on the raw messages), so callers follow
// pageInfo rather than counting rows. The answer's type is generated from the API's schema.
import { PAGE_SIZE, type Connection } from '../api/dashboard-queries';
import type { ApiClient } from '../api/graphql-client';
import { DUPLICATE_CONFLICTS, QUARANTINE } from './quarantine.document';
import type {
  DuplicateConflictsQuery,
  DuplicateConflictsQueryVariables,
  QuarantineQuery,
  QuarantineQueryVariables,
} from '../api/graphql-types.generated';

export type QuarantineRow = QuarantineQuery['quarantine']['edges'][number]['node'];

export async function quarantinePage(
  api: ApiClient,
  after: string | null,
): Promise<Connection<QuarantineRow>> {
  const variables: QuarantineQueryVariables = { first: PAGE_SIZE, after };
  return (await api.query<QuarantineQuery>(QUARANTINE, variables)).quarantine;
}

export type DuplicateConflictRow =
  DuplicateConflictsQuery['duplicateConflicts']['edges'][number]['node'];

export async function duplicateConflictsPage(
  api: ApiClient,
  after: string | null,
): Promise<Connection<DuplicateConflictRow>> {
  const variables: DuplicateConflictsQueryVariables = { first: PAGE_SIZE, after };
  return (await api.query<DuplicateConflictsQuery>(DUPLICATE_CONFLICTS, variables))
    .duplicateConflicts;
}
