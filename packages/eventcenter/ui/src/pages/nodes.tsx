import { api } from '../api.ts';
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
            data.nodes.length ? (
              <table class="list" aria-label="nodes">
                <thead>
                  <tr>
                    <th>Node</th>
                    <th class="num">Events</th>
                    <th class="num">Warnings</th>
                  </tr>
                </thead>
                <tbody>
                  {data.nodes.map((n) => (
                    <tr key={n.node}>
                      <td>
                        <a href={href('node', { range }, n.node)}>{n.node}</a>
                      </td>
                      <td class="num">{n.events}</td>
                      <td class="num">{n.warnings ? <span class="badge warn">{n.warnings}</span> : 0}</td>
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

export function NodePage({ route }: { route: Route }) {
  const name = route.id ?? '';
  const range = route.params.get('range') ?? undefined;
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
                  {node.conditions.map((c) => (
                    <span
                      key={c.type}
                      data-condition={c.type}
                      class={`condition ${c.type === 'Ready' ? (c.status === 'True' ? 'ok' : 'bad') : c.status === 'True' ? 'bad' : c.status === 'False' ? 'ok' : 'unknown'}`}
                      title={c.transitions.at(-1)?.message}
                    >
                      {c.type}: {c.status}
                    </span>
                  ))}
                </div>
              ) : (
                <p class="muted">No condition changes recorded for this node in this window.</p>
              )}
            </Section>
            {node.conditions.length > 0 && (
              <Section title="Condition history">
                <table class="list" aria-label="condition history">
                  <thead>
                    <tr>
                      <th>Condition</th>
                      <th class="time">Changed</th>
                      <th>Status</th>
                      <th>Reason</th>
                      <th>Message</th>
                    </tr>
                  </thead>
                  <tbody>
                    {node.conditions.flatMap((c) =>
                      c.transitions.map((t, i) => (
                        <tr key={`${c.type}@${t.at}`} data-condition={c.type} data-status={t.status}>
                          <td>{i === 0 ? c.type : ''}</td>
                          <td class="time">{formatTime(t.at)}</td>
                          <td class={(c.type === 'Ready' ? t.status !== 'True' : t.status === 'True') ? 'bad' : ''}>{t.status}</td>
                          <td>{t.reason}</td>
                          <td class="message">{t.message}</td>
                        </tr>
                      )),
                    )}
                  </tbody>
                </table>
              </Section>
            )}
            {node.podWarnings.length > 0 && (
              <Section title="Warnings of pods on this node">
                <div class="conditions">
                  {node.podWarnings.map((w) => (
                    <a key={w.key} class="condition bad" href={href('search', { node: name, reason: w.key, type: 'Warning', range })}>
                      {w.key}: {w.count}
                    </a>
                  ))}
                </div>
              </Section>
            )}
            <Section title="Node events" actions={<a href={href('search', { kind: 'Node', name, range })}>search</a>}>
              <EventTable events={node.events} range={range} />
            </Section>
          </>
        )}
      </Status>
    </>
  );
}
