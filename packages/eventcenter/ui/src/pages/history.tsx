import { type AlertRecord, api } from '../api.ts';
import { Section, Status, TimeRange } from '../components/common.tsx';
import { href, navigate, type Route, withParams } from '../route.ts';
import { formatTime, window } from '../time.ts';
import { useApi } from '../use-api.ts';

function groupLabel(group: AlertRecord['group']): string {
  if (typeof group === 'string') return group;
  return (
    Object.entries(group)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || 'all'
  );
}

export function History({ route }: { route: Route }) {
  const p = route.params;
  const query = { ...window(p, '7d'), state: p.get('state') ?? undefined, rule: p.get('rule') ?? undefined };
  const loaded = useApi((signal) => api.history(query, signal), JSON.stringify(query));
  return (
    <>
      <div class="toolbar">
        <h1>Alert history</h1>
        <label>
          State{' '}
          <select
            aria-label="state"
            value={p.get('state') ?? ''}
            onChange={(e) => navigate('history', withParams(route, { state: e.currentTarget.value || undefined }))}
          >
            <option value="">any</option>
            <option>firing</option>
            <option>resolved</option>
          </select>
        </label>
        <TimeRange route={route} fallback="7d" />
      </div>
      <Section title="Alerts">
        <Status loaded={loaded}>
          {(data) =>
            data.items.length ? (
              <table class="list">
                <thead>
                  <tr>
                    <th>Rule</th>
                    <th>Group</th>
                    <th>State</th>
                    <th class="num">Events</th>
                    <th class="time">Fired</th>
                    <th class="time">Resolved</th>
                    <th>Notified</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((a) => (
                    <tr key={a.id} data-alert-rule={a.ruleName} data-state={a.state}>
                      <td>
                        <a href={href('rule', {}, a.ruleId)}>{a.ruleName}</a>
                      </td>
                      <td class="mono">{groupLabel(a.group)}</td>
                      <td>
                        <span class={`badge ${a.state === 'firing' ? 'warn' : 'normal'}`}>{a.state}</span>
                      </td>
                      <td class="num">{a.count}</td>
                      <td class="time">{formatTime(a.firedAt)}</td>
                      <td class="time">{formatTime(a.resolvedAt)}</td>
                      <td>{a.silenced ? <span class="badge other">silenced</span> : a.notified === false ? 'no' : 'yes'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">No alerts in this window.</p>
            )
          }
        </Status>
      </Section>
    </>
  );
}
