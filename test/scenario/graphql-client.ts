// A plain HTTP GraphQL client for the black-box suites: what a dashboard would send. Every
// response body is kept so a test can check that no clear patient identifier ever left.

export interface GraphqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

export interface GraphqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: GraphqlError[];
  text: string;
}

export class GraphqlClient {
  /** Every response body received, in order. */
  readonly transcripts: string[] = [];

  constructor(private readonly url: string) {}

  /** Sends a query; `bearer` null sends no Authorization header. */
  async send<T>(
    bearer: string | null,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GraphqlResponse<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    const response = await fetch(this.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    this.transcripts.push(text);
    let parsed: { data?: T | null; errors?: GraphqlError[] } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // Not JSON (e.g. a proxy page): the status and text say enough.
    }
    return { status: response.status, data: parsed.data, errors: parsed.errors, text };
  }

  /** The data of a query that must succeed; throws with the errors otherwise. */
  async data<T>(
    bearer: string,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> {
    const result = await this.send<T>(bearer, query, variables);
    if (result.status !== 200 || result.errors !== undefined || result.data == null) {
      throw new Error(
        `query failed (HTTP ${result.status}): ${result.text.slice(0, 2000)}\nquery: ${query}`,
      );
    }
    return result.data;
  }

  /** The first error's extensions.code, if any. */
  static codeOf(result: GraphqlResponse<unknown>): string | undefined {
    return result.errors?.[0]?.extensions?.code;
  }
}

/** Relay connection shape used by every list of the API. */
export interface Connection<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}
