// Who the browser is to the API (GET /api/v1/whoami), for hiding what the token may not do.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export interface Session {
  readonly auth: string;
  readonly roles: readonly string[];
}

export const SessionContext = createContext<Session>({ auth: 'none', roles: [] });

/** Whether the token may change rules and silences (the server checks again). */
export function useCanEdit(): boolean {
  return useContext(SessionContext).roles.includes('editor');
}
