// The quarantine page's GraphQL document, on its own (no browser code) so that the page's
// end-to-end test asks the API the very same question.
export const QUARANTINE = /* GraphQL */ `
  query Quarantine($first: Int, $after: String) {
    quarantine(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          topic
          partition
          offset
          reason
          receivedAt
          rawForm
          rawEncoding
          rawBase64
          byteLength
          sha256
        }
      }
    }
  }
`;

// Messages dropped as re-used event ids (attempts to rewrite a recorded event).
export const DUPLICATE_CONFLICTS = /* GraphQL */ `
  query DuplicateConflicts($first: Int, $after: String) {
    duplicateConflicts(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          topic
          partition
          offset
          source
          eventId
          eventType
          eventTime
          recordedSequence
          payloadDigest
          detectedAt
        }
      }
    }
  }
`;
