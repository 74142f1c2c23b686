import { api, type ClusterInfo } from '../api.ts';
import { navigate, type Route, withParams } from '../route.ts';
import { useApi } from '../use-api.ts';

/** id → display name ('' is the unnamed single cluster). */
export function clusterName(clusters: readonly ClusterInfo[] | undefined, id: string): string {
  return clusters?.find((c) => c.id === id)?.name || id || '(default)';
}

/**
 * One, several or all clusters (none selected = all). The choice is `cluster=a,b` in the URL,
 * so every page is scoped and a link shows the same clusters to whoever opens it.
 */
export function ClusterPicker({ route }: { route: Route }) {
  const loaded = useApi((signal) => api.clusters(signal), 'clusters');
  const clusters = loaded.data?.clusters ?? [];
  if (clusters.length < 2) return null;
  const selected = new Set((route.params.get('cluster') ?? '').split(',').filter(Boolean));
  const change = (e: Event) => {
    const chosen = [...(e.currentTarget as HTMLSelectElement).selectedOptions].map((o) => o.value);
    navigate(route.page, withParams(route, { cluster: chosen.join(',') || undefined, cursor: undefined }), route.id);
  };
  return (
    <label class="clusters">
      <span>Clusters{selected.size === 0 ? ': all' : ''}</span>
      <select multiple aria-label="clusters" size={Math.min(clusters.length, 4)} onChange={change}>
        {clusters.map((c) => (
          <option key={c.id} value={c.id} selected={selected.has(c.id)}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  );
}
