import type { ApiClient } from '../api/graphql-client';
import type { Abilities, Session } from '../session/session-token';

/** What every view gets from the shell. */
export interface ViewContext {
  api: ApiClient;
  session: Session;
  abilities: Abilities;
  /** False once the user has moved to another view: late answers are then dropped. */
  current(): boolean;
  /** Says something to screen readers (an aria-live region). */
  announce(message: string): void;
}
