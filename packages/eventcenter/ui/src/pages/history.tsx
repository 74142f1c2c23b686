import { api } from '../api.ts';
import { Section, Status } from '../components/common.tsx';
import { href, navigate, type Route, withParams } from '../route.ts';
import { useCanEdit } from '../session.ts';
import { formatTime } from '../time.ts';
import { useApi } from '../use-api.ts';

const label = (group: Record<string, string>) =>
  Object.entries(group)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ') || 'all';

export function History({ route }: { route: Route }) {
  const ruleId = route.params.get('ruleId') ?? undefined;
  const canEdit = useCanEdit();
  const loaded = useApi(async (signal) => {
    const [history, alerts, rules] = await Promise.all([
      api.history({ ruleId, limit: 200 }, signal),
      api.alerts(signal),
      api.rules(signal),
    ]);
    return { history: history.history, alerts: alerts.alerts, rules: rules.rules };
  }, `history/${ruleId}`);
  return (
    <Status loaded={loaded}>
      {({ history, alerts, rules }) => {
        const names = new Map(rules.map((r) => [r.id, r.name]));
        const current = alerts.filter((a) => !ruleId || a.ruleId === ruleId);
        return (
          <>
            <div class="toolbar">
              <h1>Alert history</h1>
              <label>
                Rule{' '}
                <select
                  aria-label="rule"
                  value={ruleId ?? ''}
                  onChange={(e) => navigate('history', withParams(route, { ruleId: e.currentTarget.value || undefined }))}
                >
                  <option value="">every rule</option>
                  {rules.map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.name}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <Section title="Current alerts">
              {current.length ? (
                <table class="list" aria-label="current alerts">
                  <thead>
                    <tr>
                      <th>Rule</th>
                      <th>Group</th>
                      <th>State</th>
                      <th class="num">Events</th>
                      <th class="time">Since</th>
                      <th class="time">Notified</th>
                      <th class="time">Resolved</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {current.map((a) => (
                      <tr key={`${a.ruleId}/${a.key}`} data-rule={a.ruleName} data-state={a.state} data-silenced={String(a.silenced)}>
                        <td>
                          <a href={href('rule', {}, a.ruleId)}>{a.ruleName}</a>
                        </td>
                        <td class="mono">{label(a.group)}</td>
                        <td>
                          <span class={`badge ${a.state === 'firing' ? 'warn' : 'normal'}`}>{a.state}</span>
                          {a.silenced && <span class="badge other">silenced</span>}
                        </td>
                        <td class="num">{a.count}</td>
                        <td class="time">{formatTime(a.since)}</td>
                        <td class="time">{formatTime(a.lastNotified)}</td>
                        <td class="time">{formatTime(a.resolvedAt)}</td>
                        <td>
                          {a.state === 'firing' && !a.silenced && canEdit && (
                            <a class="button secondary small" href={href('silences', { ruleId: a.ruleId, ...a.group })}>
                              Silence…
                            </a>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p class="muted">Nothing firing.</p>
              )}
            </Section>
            <Section title="History">
              {history.length ? (
                <table class="list" aria-label="alert history">
                  <thead>
                    <tr>
                      <th class="time">At</th>
                      <th>Rule</th>
                      <th>Group</th>
                      <th>State</th>
                      <th class="num">Events</th>
                      <th>Message</th>
                    </tr>
                  </thead>
                  <tbody>
                    {history.map((h) => (
                      <tr key={h.id} data-rule={names.get(h.ruleId) ?? h.ruleId} data-state={h.state}>
                        <td class="time">{formatTime(h.at)}</td>
                        <td>
                          <a href={href('rule', {}, h.ruleId)}>{names.get(h.ruleId) ?? h.ruleId}</a>
                        </td>
                        <td class="mono">{h.group || 'all'}</td>
                        <td>
                          <span class={`badge ${h.state === 'firing' ? 'warn' : h.state === 'silenced' ? 'other' : 'normal'}`}>
                            {h.state}
                          </span>
                        </td>
                        <td class="num">{h.count}</td>
                        <td class="message">{h.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p class="muted">No alerts yet.</p>
              )}
            </Section>
          </>
        );
      }}
    </Status>
  );
}
