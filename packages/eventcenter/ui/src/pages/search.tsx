import { useState } from 'preact/hooks';
import { api, type KubeEventRow } from '../api.ts';
import { EventTable, TimeRange } from '../components/common.tsx';
import { navigate, type Route, withParams } from '../route.ts';
import { window } from '../time.ts';
import { useApi } from '../use-api.ts';

export const FILTERS = ['reason', 'namespace', 'kind', 'name', 'node', 'component'] as const;
const PAGE = 50;

function FilterForm({ route }: { route: Route }) {
  const p = route.params;
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const changes: Record<string, string | undefined> = {};
    for (const key of ['q', 'type', ...FILTERS]) changes[key] = String(form.get(key) ?? '').trim() || undefined;
    navigate('search', withParams(route, changes));
  };
  return (
    <form class="filters" onSubmit={submit} key={p.toString()}>
      <input
        name="q"
        class="q"
        type="search"
        aria-label="search"
        placeholder='type:Warning reason:FailedScheduling "insufficient cpu" -namespace:kube-system'
        defaultValue={p.get('q') ?? ''}
      />
      <select name="type" aria-label="type">
        {['', 'Warning', 'Normal'].map((t) => (
          <option key={t} value={t} selected={(p.get('type') ?? '') === t}>
            {t || 'any type'}
          </option>
        ))}
      </select>
      {FILTERS.map((f) => (
        <input key={f} name={f} aria-label={f} placeholder={f} defaultValue={p.get(f) ?? ''} />
      ))}
      <button type="submit">Search</button>
      <a class="button secondary" href="#/search">
        Clear
      </a>
    </form>
  );
}

export function Search({ route }: { route: Route }) {
  const p = route.params;
  const query: Record<string, string | undefined> = { ...window(p), q: p.get('q') ?? undefined, type: p.get('type') ?? undefined };
  for (const f of FILTERS) query[f] = p.get(f) ?? undefined;
  const key = JSON.stringify(query);
  const first = useApi((signal) => api.events({ ...query, limit: PAGE }, signal), key);
  const [more, setMore] = useState<{ key: string; items: KubeEventRow[]; cursor?: string | null; error?: string }>({ key: '', items: [] });
  const extra = more.key === key ? more : { key, items: [] as KubeEventRow[], cursor: undefined, error: undefined };
  const cursor = (extra.items.length ? extra.cursor : first.data?.nextCursor) ?? undefined;
  const loadMore = async () => {
    try {
      const page = await api.events({ ...query, limit: PAGE, cursor });
      setMore({ key, items: [...extra.items, ...page.events], cursor: page.nextCursor });
    } catch (error) {
      setMore({ ...extra, key, error: (error as Error).message });
    }
  };
  const events = [...(first.data?.events ?? []), ...extra.items];
  return (
    <>
      <div class="toolbar">
        <h1>Search</h1>
        <TimeRange route={route} />
      </div>
      <FilterForm route={route} />
      {first.error ? (
        <p class="error" role="alert">
          {first.error.message}
        </p>
      ) : first.data === undefined ? (
        <p class="muted">Loading…</p>
      ) : (
        <div class="loaded" aria-busy={first.loading ? 'true' : 'false'}>
          <p class="muted summary">
            {events.length} event{events.length === 1 ? '' : 's'}
            {cursor ? ' (more available)' : ''}
          </p>
          <EventTable events={events} range={p.get('range') ?? undefined} />
          {extra.error && <p class="error">{extra.error}</p>}
          {cursor && (
            <button type="button" class="secondary more" onClick={loadMore}>
              Load more
            </button>
          )}
        </div>
      )}
    </>
  );
}
