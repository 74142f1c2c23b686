import { api, type CountRow } from '../api.ts';
import { Bars } from '../components/bars.tsx';
import { clusterName } from '../components/clusters.tsx';
import { Section, Status, TimeRange } from '../components/common.tsx';
import { href, type Route } from '../route.ts';
import { window } from '../time.ts';
import { useApi } from '../use-api.ts';

/** The selected clusters (or all) side by side: events and warnings each. */
function ClusterComparison({ query, range }: { query: Record<string, string | number | undefined>; range: string | undefined }) {
  const key = JSON.stringify(query);
  const all = useApi((signal) => api.top({ ...query, by: 'cluster', limit: 50 }, signal), `all${key}`);
  const warn = useApi((signal) => api.top({ ...query, by: 'cluster', type: 'Warning', limit: 50 }, signal), `warn${key}`);
  const names = useApi((signal) => api.clusters(signal), 'clusters');
  const rows = all.data?.top ?? [];
  if (rows.length < 2) return null;
  return (
    <Section title="Clusters">
      <table class="top" aria-label="clusters compared">
        <thead>
          <tr>
            <th>cluster</th>
            <th class="num">events</th>
            <th class="num">warnings</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <td class="label">
                <a href={href('overview', { cluster: row.key, range })}>{clusterName(names.data?.clusters, row.key)}</a>
              </td>
              <td class="num">{row.count}</td>
              <td class="num">{warn.data?.top.find((w) => w.key === row.key)?.count ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function TopTable({ rows, link, label }: { rows: readonly CountRow[]; link: (value: string) => string; label: string }) {
  if (!rows.length) return <p class="muted">None.</p>;
  const max = Math.max(...rows.map((r) => r.count));
  return (
    <table class="top" aria-label={label}>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key}>
            <td class="label">
              <a href={link(row.key)}>{row.key || '(none)'}</a>
            </td>
            <td class="meter">
              <span style={{ width: `${(row.count / max) * 100}%` }} />
            </td>
            <td class="num">{row.count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Overview({ route }: { route: Route }) {
  const p = route.params;
  const namespace = p.get('namespace') ?? undefined;
  const range = p.get('range') ?? undefined;
  const query = { ...window(p), namespace };
  const loaded = useApi((signal) => api.overview(query, signal), JSON.stringify(query));
  const search = (field: string, type?: string) => (value: string) => href('search', { [field]: value, type, namespace, range });
  return (
    <>
      <div class="toolbar">
        <h1>Overview{namespace ? ` — ${namespace}` : ''}</h1>
        <TimeRange route={route} />
      </div>
      <Status loaded={loaded}>
        {(o) => (
          <>
            <div class="stats">
              <a class="stat" href={href('search', { namespace, range })}>
                <strong>{o.total}</strong> events
              </a>
              <a class="stat warn" href={href('search', { type: 'Warning', namespace, range })}>
                <strong>{o.warnings}</strong> warnings
              </a>
            </div>
            <ClusterComparison query={query} range={range} />
            <Section title="Events over time">
              <Bars
                series={o.series}
                bucketMs={o.bucketMs}
                from={o.from}
                to={o.to}
                link={(start, end) => href('search', { from: new Date(start).toISOString(), to: new Date(end).toISOString(), namespace })}
              />
            </Section>
            <div class="grid4">
              <Section title="Top warning reasons">
                <TopTable label="top warning reasons" rows={o.topWarningReasons} link={search('reason', 'Warning')} />
              </Section>
              <Section title="Top namespaces">
                <TopTable label="top namespaces" rows={o.topNamespaces} link={(ns) => href('overview', { namespace: ns, range })} />
              </Section>
              <Section title="Nodes with most warnings">
                <TopTable label="top nodes" rows={o.topWarningNodes} link={(node) => href('node', { range }, node)} />
              </Section>
              <Section title="Events by object kind">
                <TopTable label="top kinds" rows={o.topKinds} link={search('kind')} />
              </Section>
            </div>
          </>
        )}
      </Status>
    </>
  );
}
