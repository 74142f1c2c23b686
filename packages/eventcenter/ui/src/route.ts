// The URL is the state: `#/<page>[/<id>]?<filters>`. Every filter a page shows lives in the
// hash, so a link is shareable and a reload restores the page as it was.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** The hash as the browser has it (`#/search?q=...`). */
  readonly hash: string;
  readonly page: string;
  readonly id: string | undefined;
  readonly params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const [page, ...rest] = path.split('/');
  return {
    hash,
    page: page || 'overview',
    id: rest.length ? decodeURIComponent(rest.join('/')) : undefined,
    params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
  };
}

export function href(page: string, params: Record<string, string | undefined> = {}, id?: string): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const qs = search.toString();
  return `#/${page}${id === undefined ? '' : `/${encodeURIComponent(id)}`}${qs ? `?${qs}` : ''}`;
}

export function navigate(page: string, params: Record<string, string | undefined> = {}, id?: string): void {
  location.hash = href(page, params, id);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** The route's params as a plain object, with `changes` merged (empty values removed). */
export function withParams(route: Route, changes: Record<string, string | undefined>): Record<string, string | undefined> {
  return { ...Object.fromEntries(route.params), ...changes };
}
