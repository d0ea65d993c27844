// The dashboard's only way to the API: POST /graphql and GET of reports, both with the
// user's bearer token. Errors keep the API's `extensions.code` so views can react to
// FORBIDDEN or BAD_USER_INPUT.

export type Variables = Record<string, unknown>;

interface GraphqlErrorBody {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string };
}

/** The API refused the token (HTTP 401): the session is over. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/** A GraphQL error (or a failed HTTP request), with the API's code when there is one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }

  get forbidden(): boolean {
    return this.code === 'FORBIDDEN' || this.status === 403;
  }
}

/**
 * Never answered from the browser's cache. Spread, not written inline: Node's fetch types
 * (bench:api sends the dashboard's queries from Node) do not know the `cache` option.
 */
const NO_STORE = { cache: 'no-store' } as const;

export class ApiClient {
  constructor(
    /** The page's own address: /graphql and /reports are resolved against it. */
    private readonly base: string,
    private readonly token: string,
    private readonly onUnauthorized: () => void,
  ) {}

  /** Runs a query whose every field must succeed; the first error is thrown. */
  async query<T>(query: string, variables: Variables = {}): Promise<T> {
    const response = await this.fetch(new URL('../graphql', this.base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    let body: { data?: T | null; errors?: GraphqlErrorBody[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new ApiError(`the API answered HTTP ${response.status}`, undefined, response.status);
    }
    const first = body.errors?.[0];
    if (first !== undefined) {
      throw new ApiError(first.message, first.extensions?.code, response.status);
    }
    if (!response.ok || body.data === undefined || body.data === null) {
      throw new ApiError(`the API answered HTTP ${response.status}`, undefined, response.status);
    }
    return body.data;
  }

  /** GET of a file (e.g. a PDF report) under the API, as a blob. */
  /** POSTs `body` as JSON and returns the document: arguments stay out of the URL. */
  async download(path: string, body: object): Promise<Blob> {
    const url = new URL(`../${path}`, this.base);
    const response = await this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new ApiError(
        await failureMessage(response),
        codeOfStatus(response.status),
        response.status,
      );
    }
    return response.blob();
  }

  private async fetch(url: URL, init: RequestInit): Promise<Response> {
    const response = await fetch(url, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        authorization: `Bearer ${this.token}`,
      },
      credentials: 'omit',
      ...NO_STORE,
    });
    if (response.status === 401) {
      this.onUnauthorized();
      throw new UnauthorizedError('the API did not accept the token (expired or invalid)');
    }
    return response;
  }
}

function codeOfStatus(status: number): string | undefined {
  if (status === 403) return 'FORBIDDEN';
  if (status === 400) return 'BAD_USER_INPUT';
  if (status === 404) return 'NOT_FOUND';
  return undefined;
}

async function failureMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as {
      message?: unknown;
      errors?: { message?: unknown }[];
    };
    const message = parsed.errors?.[0]?.message ?? parsed.message;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.join('; ');
  } catch {
    // not JSON: fall through
  }
  return text.trim().slice(0, 200) || `the API answered HTTP ${response.status}`;
}
