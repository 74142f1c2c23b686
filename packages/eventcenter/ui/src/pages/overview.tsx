import { api, type TopItem } from '../api.ts';
import { Bars } from '../components/bars.tsx';
import { Section, Status, TimeRange } from '../components/common.tsx';
import { href, type Route } from '../route.ts';
import { window } from '../time.ts';
import { useApi } from '../use-api.ts';

const TOPS = [
  { field: 'reason', title: 'Top warning reasons', type: 'Warning' },
  { field: 'namespace', title: 'Top namespaces (warnings)', type: 'Warning' },
  { field: 'node', title: 'Top nodes (warnings)', type: 'Warning' },
  { field: 'kind', title: 'Events by object kind', type: undefined },
] as const;

function TopList({ field, type, route }: { field: string; type: string | undefined; route: Route }) {
  const range = route.params.get('range') ?? undefined;
  const query = { ...window(route.params), type, namespace: route.params.get('namespace') ?? undefined, limit: 8 };
  const loaded = useApi((signal) => api.top(field, query, signal), `${field}:${JSON.stringify(query)}`);
  return (
    <Status loaded={loaded}>
      {(data) => (
        <TopTable items={data.items} link={(value) => href('search', { [field]: value, type, range, namespace: query.namespace })} />
      )}
    </Status>
  );
}

function TopTable({ items, link }: { items: TopItem[]; link: (value: string) => string }) {
  if (!items.length) return <p class="muted">None.</p>;
  const max = Math.max(...items.map((i) => i.count));
  return (
    <table class="top">
      <tbody>
        {items.map((item) => (
          <tr key={item.value}>
            <td class="label">
              <a href={link(item.value)}>{item.value || '(none)'}</a>
            </td>
            <td class="meter">
              <span style={{ width: `${(item.count / max) * 100}%` }} />
            </td>
            <td class="num">{item.count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Overview({ route }: { route: Route }) {
  const namespace = route.params.get('namespace') ?? undefined;
  const query = { ...window(route.params), namespace, buckets: 48 };
  const histogram = useApi((signal) => api.histogram(query, signal), JSON.stringify(query));
  return (
    <>
      <div class="toolbar">
        <h1>Overview{namespace ? ` — ${namespace}` : ''}</h1>
        <TimeRange route={route} />
      </div>
      <Section title="Events over time">
        <Status loaded={histogram}>{(data) => <Bars histogram={data} />}</Status>
      </Section>
      <div class="grid4">
        {TOPS.map((t) => (
          <Section key={t.field} title={t.title}>
            <TopList field={t.field} type={t.type} route={route} />
          </Section>
        ))}
      </div>
    </>
  );
}
