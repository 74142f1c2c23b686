import type { ComponentChildren } from 'preact';
import type { KubeEventRow } from '../api.ts';
import { href, navigate, type Route, withParams } from '../route.ts';
import { formatTime, RANGES } from '../time.ts';
import type { Loaded } from '../use-api.ts';

/** Shows the error or a loading line until `loaded` has data, then the children (dimmed and aria-busy while a newer answer loads). */
export function Status<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.error && !loaded.loading)
    return (
      <p class="error" role="alert">
        {loaded.error.message}
      </p>
    );
  if (loaded.data === undefined) return <p class="muted">Loading…</p>;
  return (
    <div class="loaded" aria-busy={loaded.loading ? 'true' : 'false'}>
      {children(loaded.data)}
    </div>
  );
}

/** The window picker; `fallback` is the page's default window (what `time.window()` uses without `range`). */
export function TimeRange({ route, fallback = '24h' }: { route: Route; fallback?: string }) {
  const current = route.params.get('from') ? 'custom' : (route.params.get('range') ?? fallback);
  return (
    <label class="range">
      <span>Last</span>
      <select
        aria-label="time range"
        value={current}
        onChange={(e) =>
          navigate(route.page, withParams(route, { range: e.currentTarget.value, from: undefined, to: undefined }), route.id)
        }
      >
        {RANGES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
        {current === 'custom' && <option value="custom">custom</option>}
      </select>
    </label>
  );
}

export function TypeBadge({ type }: { type: string }) {
  return <span class={`badge ${type === 'Warning' ? 'warn' : type === 'Normal' ? 'normal' : 'other'}`}>{type}</span>;
}

const CLUSTER_SCOPED = new Set(['Node', 'Namespace', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass']);

/** Where an involved object links to: a pod's lifecycle, a node's page, else a search for it. */
export function objectHref(kind: string, namespace: string, name: string, range?: string): string {
  if (kind === 'Pod') return href('pod', { namespace, name, range });
  if (kind === 'Node') return href('node', { range }, name);
  return href('search', { kind, namespace, name, range });
}

export function ObjectLink({ event, range }: { event: Pick<KubeEventRow, 'kind' | 'namespace' | 'name'>; range?: string }) {
  // Events about cluster-scoped objects are filed in a namespace (default) the object does not have.
  const namespaced = event.namespace && !CLUSTER_SCOPED.has(event.kind);
  const label = `${event.kind}/${namespaced ? `${event.namespace}/` : ''}${event.name}`;
  return <a href={objectHref(event.kind, event.namespace, event.name, range)}>{label}</a>;
}

export function EventTable({
  events,
  range,
  extra,
}: {
  events: readonly KubeEventRow[];
  range?: string;
  extra?: (e: KubeEventRow) => ComponentChildren;
}) {
  if (!events.length) return <p class="muted">No events.</p>;
  return (
    <table class="events">
      <thead>
        <tr>
          <th class="time">Time</th>
          {extra && <th />}
          <th>Type</th>
          <th>Reason</th>
          <th>Object</th>
          <th class="num">Count</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id} data-event-id={e.id}>
            <td class="time">
              <a href={href('event', {}, e.id)} title="details and raw JSON">
                {formatTime(e.time)}
              </a>
            </td>
            {extra && <td>{extra(e)}</td>}
            <td>
              <TypeBadge type={e.type} />
            </td>
            <td class="reason">{e.reason}</td>
            <td class="object">
              <ObjectLink event={e} range={range} />
            </td>
            <td class="num">{e.count}</td>
            <td class="message" title={e.message}>
              {e.message}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header>
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}
