import { useState } from 'preact/hooks';
import { type AlertRule, type AlertRuleInput, api, GROUP_FIELDS, type GroupField } from '../api.ts';
import { Section, Status } from '../components/common.tsx';
import { href, navigate, type Route } from '../route.ts';
import { useCanEdit } from '../session.ts';
import { formatDuration, parseDuration } from '../time.ts';
import { useApi } from '../use-api.ts';

export function Rules({ route: _route }: { route: Route }) {
  const canEdit = useCanEdit();
  const loaded = useApi(async (signal) => {
    const [rules, alerts, templates] = await Promise.all([api.rules(signal), api.alerts(signal), api.templates(signal)]);
    return { rules: rules.rules, alerts: alerts.alerts, templates: templates.templates };
  }, 'rules');
  return (
    <>
      <div class="toolbar">
        <h1>Alert rules</h1>
        {canEdit && (
          <a class="button" href={href('rule', {}, 'new')}>
            New rule
          </a>
        )}
      </div>
      <Status loaded={loaded}>
        {({ rules, alerts, templates }) => (
          <>
            <Section title="Rules">
              {rules.length ? (
                <table class="list" aria-label="rules">
                  <thead>
                    <tr>
                      <th>Name</th>
                      <th>State</th>
                      <th>Matches</th>
                      <th>Fires when</th>
                      <th>Per</th>
                      <th>Severity</th>
                      <th>Notify</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rules.map((r) => {
                      const firing = alerts.filter((a) => a.ruleId === r.id && a.state === 'firing');
                      return (
                        <tr key={r.id} data-rule={r.name}>
                          <td>
                            <a href={href('rule', {}, r.id)}>{r.name}</a>
                            {!r.enabled && <span class="muted"> (disabled)</span>}
                          </td>
                          <td>
                            {firing.length ? (
                              <a class="badge warn" href={href('history', { ruleId: r.id })}>
                                firing{firing.length > 1 ? ` ×${firing.length}` : ''}
                                {firing.every((a) => a.silenced) ? ' (silenced)' : ''}
                              </a>
                            ) : (
                              <span class="badge normal">ok</span>
                            )}
                          </td>
                          <td class="mono">{r.query || 'any event'}</td>
                          <td>
                            ≥ {r.threshold} in {formatDuration(r.windowMs)}
                          </td>
                          <td>{r.groupBy.join(', ') || 'all'}</td>
                          <td>{r.severity}</td>
                          <td>{r.notify.join(', ') || '—'}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              ) : (
                <p class="muted">No rules yet: start from a template below.</p>
              )}
            </Section>
            <Section title="Templates">
              <ul class="templates" aria-label="templates">
                {templates.map((t) => (
                  <li key={t.id}>
                    {canEdit ? <a href={href('rule', { template: t.id }, 'new')}>{t.name}</a> : <strong>{t.name}</strong>}
                    {t.description && <span class="muted"> — {t.description}</span>}
                    <span class="query mono small" title={t.query}>
                      {t.query}
                    </span>
                  </li>
                ))}
              </ul>
            </Section>
          </>
        )}
      </Status>
    </>
  );
}

const EMPTY: AlertRuleInput = {
  name: '',
  query: 'type:Warning',
  threshold: 1,
  windowMs: 300_000,
  groupBy: ['namespace'],
  severity: 'warning',
  notify: [],
  repeatMs: 3_600_000,
  enabled: true,
};

function RuleForm({ initial, id }: { initial: AlertRuleInput; id: string | undefined }) {
  const canEdit = useCanEdit();
  const sinks = useApi((signal) => api.notifySinks(signal).catch(() => ({ sinks: [] })), 'sinks');
  const [error, setError] = useState('');
  const [saving, setSaving] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const text = (key: string) => String(form.get(key) ?? '').trim();
    const windowMs = parseDuration(text('window'));
    const repeatMs = parseDuration(text('repeat'));
    if (windowMs === undefined || repeatMs === undefined) {
      setError(`${windowMs === undefined ? 'window' : 'repeat'}: a duration like 5m, 1h30m or 45s`);
      return;
    }
    const notify = [...form.getAll('notify').map(String), ...text('notifyOther').split(',')].map((s) => s.trim()).filter(Boolean);
    const rule: AlertRuleInput = {
      ...initial,
      name: text('name'),
      query: text('query'),
      threshold: Number(text('threshold')),
      windowMs,
      repeatMs,
      groupBy: form.getAll('groupBy').map(String) as GroupField[],
      severity: text('severity') as AlertRule['severity'],
      notify: [...new Set(notify)],
      enabled: form.get('enabled') === 'on',
    };
    delete rule.id;
    setSaving(true);
    setError('');
    try {
      if (id) await api.updateRule(id, rule);
      else await api.createRule(rule);
      navigate('rules');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setSaving(false);
    }
  };
  const remove = async () => {
    if (!id || !confirm(`Delete rule ${initial.name}?`)) return;
    try {
      await api.deleteRule(id);
      navigate('rules');
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const known = new Set(sinks.data?.sinks.map((s) => s.name));
  return (
    <form class="rule" onSubmit={submit}>
      <label>
        Name <input name="name" required defaultValue={initial.name} class="wide" />
      </label>
      <label>
        Events matching
        <input
          name="query"
          class="wide mono"
          defaultValue={initial.query}
          placeholder="type:Warning reason:BackOff,CrashLoopBackOff -namespace:kube-system"
        />
      </label>
      <fieldset>
        <legend>When to fire</legend>
        <label>
          at least <input name="threshold" type="number" min="1" required defaultValue={String(initial.threshold)} /> events
        </label>
        <label>
          within <input name="window" required defaultValue={formatDuration(initial.windowMs)} size={6} />
        </label>
        <label>
          severity
          <select name="severity">
            {['info', 'warning', 'critical'].map((v) => (
              <option key={v} selected={initial.severity === v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          repeat every <input name="repeat" required defaultValue={formatDuration(initial.repeatMs)} size={6} />
          <span class="muted">(0s = once)</span>
        </label>
      </fieldset>
      <fieldset>
        <legend>One alert per</legend>
        {GROUP_FIELDS.map((g) => (
          <label key={g} class="check">
            <input type="checkbox" name="groupBy" value={g} defaultChecked={initial.groupBy.includes(g)} /> {g}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Notify</legend>
        {sinks.data?.sinks.map((s) => (
          <label key={s.name} class="check">
            <input type="checkbox" name="notify" value={s.name} defaultChecked={initial.notify.includes(s.name)} /> {s.name}
            <span class="muted">({s.kind})</span>
          </label>
        ))}
        <label>
          {sinks.data?.sinks.length ? 'other' : 'sinks (--notify names)'}
          <input name="notifyOther" defaultValue={initial.notify.filter((n) => !known.has(n)).join(', ')} placeholder="ops, oncall" />
        </label>
        <label class="check">
          <input type="checkbox" name="enabled" defaultChecked={initial.enabled} /> enabled
        </label>
      </fieldset>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!canEdit && <p class="muted">Read-only: this token lacks the editor role.</p>}
      <div class="actions">
        <button type="submit" disabled={saving || !canEdit}>
          {id ? 'Save' : 'Create rule'}
        </button>
        <a class="button secondary" href="#/rules">
          Cancel
        </a>
        {id && canEdit && (
          <button type="button" class="danger" onClick={remove}>
            Delete
          </button>
        )}
      </div>
    </form>
  );
}

export function RuleEditor({ route }: { route: Route }) {
  const id = route.id === 'new' ? undefined : route.id;
  const template = route.params.get('template') ?? '';
  const loaded = useApi<{ initial: AlertRuleInput; title: string }>(async (signal) => {
    if (id) {
      const rule = await api.rule(id, signal);
      return { initial: rule, title: `Edit rule ${rule.name}` };
    }
    if (template) {
      const found = (await api.templates(signal)).templates.find((t) => t.id === template);
      if (!found) throw new Error(`no template ${template}`);
      const { id: _, ...rule } = found;
      return { initial: { ...rule, template }, title: `New rule from “${found.name}”` };
    }
    return { initial: EMPTY, title: 'New rule' };
  }, `${id}/${template}`);
  return (
    <Status loaded={loaded}>
      {({ initial, title }) => (
        <>
          <div class="toolbar">
            <h1>{title}</h1>
          </div>
          <Section title={initial.description ?? 'Rule'}>
            <RuleForm initial={initial} id={id} key={`${id}/${template}`} />
          </Section>
        </>
      )}
    </Status>
  );
}
