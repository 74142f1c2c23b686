import { api, type ConditionChange } from '../api.ts';
import { EventTable, Section, Status, TimeRange } from '../components/common.tsx';
import { href, type Route } from '../route.ts';
import { formatTime, window } from '../time.ts';
import { useApi } from '../use-api.ts';

export function Nodes({ route }: { route: Route }) {
  const query = window(route.params);
  const loaded = useApi((signal) => api.nodes(query, signal), JSON.stringify(query));
  const range = route.params.get('range') ?? undefined;
  return (
    <>
      <div class="toolbar">
        <h1>Nodes</h1>
        <TimeRange route={route} />
      </div>
      <Section title="Nodes with events">
        <Status loaded={loaded}>
          {(data) =>
            data.items.length ? (
              <table class="list">
                <thead>
                  <tr>
                    <th>Node</th>
                    <th class="num">Events</th>
                    <th class="num">Warnings</th>
                    <th>Last event</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((n) => (
                    <tr key={n.name}>
                      <td>
                        <a href={href('node', { range }, n.name)}>{n.name}</a>
                      </td>
                      <td class="num">{n.events}</td>
                      <td class="num">{n.warnings}</td>
                      <td>{formatTime(n.lastSeen)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">No node events in this window.</p>
            )
          }
        </Status>
      </Section>
    </>
  );
}

/** The latest change per condition type, for the summary row. */
function latest(changes: readonly ConditionChange[]): ConditionChange[] {
  const byType = new Map<string, ConditionChange>();
  for (const c of changes) byType.set(c.type, c);
  return [...byType.values()];
}

export function NodePage({ route }: { route: Route }) {
  const name = route.id ?? '';
  const query = window(route.params, '7d');
  const loaded = useApi((signal) => api.node(name, query, signal), `${name}/${JSON.stringify(query)}`);
  return (
    <>
      <div class="toolbar">
        <h1>Node {name}</h1>
        <TimeRange route={route} fallback="7d" />
      </div>
      <Status loaded={loaded}>
        {(node) => (
          <>
            <Section title="Conditions (last reported)">
              {node.conditions.length ? (
                <div class="conditions">
                  {latest(node.conditions).map((c) => (
                    <span
                      key={c.type}
                      class={`condition ${c.status === 'True' ? 'bad' : c.status === 'False' ? 'ok' : 'unknown'}`}
                      title={c.message}
                    >
                      {c.type}: {c.status}
                    </span>
                  ))}
                </div>
              ) : (
                <p class="muted">No condition changes recorded for this node.</p>
              )}
            </Section>
            <Section title="Condition history">
              {node.conditions.length > 0 && (
                <table class="list" aria-label="condition history">
                  <thead>
                    <tr>
                      <th class="time">Changed</th>
                      <th>Condition</th>
                      <th>Status</th>
                      <th>Reason</th>
                      <th>Message</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...node.conditions].reverse().map((c) => (
                      <tr key={`${c.type}@${c.at}`}>
                        <td class="time">{formatTime(c.at)}</td>
                        <td>{c.type}</td>
                        <td class={c.status === 'True' ? 'bad' : ''}>{c.status}</td>
                        <td>{c.reason}</td>
                        <td class="message">{c.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Section>
            <Section title="Node events" actions={<a href={href('search', { node: name })}>search</a>}>
              <EventTable events={node.events} />
            </Section>
          </>
        )}
      </Status>
    </>
  );
}
