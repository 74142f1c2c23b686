import { useState } from 'preact/hooks';
import { api, type Rule, type RuleInput } from '../api.ts';
import { Section, Status } from '../components/common.tsx';
import { href, navigate, type Route } from '../route.ts';
import { useApi } from '../use-api.ts';

const FILTER_FIELDS = ['type', 'reason', 'namespace', 'kind', 'node', 'q'] as const;

function describeFilter(rule: RuleInput): string {
  return (
    FILTER_FIELDS.map((f) => (rule.filter[f] ? `${f}:${rule.filter[f]}` : ''))
      .filter(Boolean)
      .join(' ') || 'any event'
  );
}

export function Rules({ route: _route }: { route: Route }) {
  const rules = useApi((signal) => api.rules(signal), 'rules');
  const templates = useApi((signal) => api.templates(signal), 'templates');
  return (
    <>
      <div class="toolbar">
        <h1>Alert rules</h1>
        <a class="button" href={href('rule', {}, 'new')}>
          New rule
        </a>
      </div>
      <Section title="Rules">
        <Status loaded={rules}>
          {(data) =>
            data.items.length ? (
              <table class="list">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>State</th>
                    <th>Matches</th>
                    <th>Fires when</th>
                    <th>Group by</th>
                    <th>Notify</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((r) => (
                    <tr key={r.id} data-rule={r.name}>
                      <td>
                        <a href={href('rule', {}, r.id)}>{r.name}</a>
                        {!r.enabled && <span class="muted"> (disabled)</span>}
                      </td>
                      <td>{r.state === 'firing' ? <span class="badge warn">firing</span> : <span class="badge normal">ok</span>}</td>
                      <td class="mono">{describeFilter(r)}</td>
                      <td>
                        ≥ {r.threshold} in {r.window}
                      </td>
                      <td>{r.groupBy.join(', ') || '—'}</td>
                      <td>{r.sinks.join(', ') || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">No rules yet: start from a template below.</p>
            )
          }
        </Status>
      </Section>
      <Section title="Templates">
        <Status loaded={templates}>
          {(data) => (
            <ul class="templates">
              {data.items.map((t) => (
                <li key={t.id}>
                  <a href={href('rule', { template: t.id }, 'new')}>{t.name}</a>
                  <span class="muted"> — {t.description}</span>
                  <span class="mono small"> {describeFilter(t.rule)}</span>
                </li>
              ))}
            </ul>
          )}
        </Status>
      </Section>
    </>
  );
}

const EMPTY: RuleInput = { name: '', filter: { type: 'Warning' }, threshold: 1, window: '5m', groupBy: [], sinks: [], enabled: true };

function RuleForm({ initial, id }: { initial: RuleInput; id: string | undefined }) {
  const sinks = useApi((signal) => api.sinks(signal), 'sinks');
  const [error, setError] = useState('');
  const [saving, setSaving] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const text = (key: string) => String(form.get(key) ?? '').trim();
    const filter: Record<string, string> = {};
    for (const f of FILTER_FIELDS) if (text(f)) filter[f] = text(f);
    const rule: RuleInput = {
      name: text('name'),
      filter,
      threshold: Number(text('threshold')),
      window: text('window'),
      groupBy: text('groupBy')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      sinks: form.getAll('sinks').map(String),
      enabled: form.get('enabled') === 'on',
    };
    setSaving(true);
    setError('');
    try {
      const saved = id ? await api.updateRule(id, rule) : await api.createRule(rule);
      navigate('rules', {}, undefined);
      void saved;
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
  return (
    <form class="rule" onSubmit={submit}>
      <label>
        Name <input name="name" required defaultValue={initial.name} />
      </label>
      <fieldset>
        <legend>Events that count</legend>
        <label>
          Type
          <select name="type" defaultValue={initial.filter.type ?? ''}>
            <option value="">any</option>
            <option>Warning</option>
            <option>Normal</option>
          </select>
        </label>
        {(['reason', 'namespace', 'kind', 'node', 'q'] as const).map((f) => (
          <label key={f}>
            {f === 'q' ? 'Search' : f}
            <input name={f} defaultValue={initial.filter[f] ?? ''} placeholder={f === 'reason' ? 'e.g. BackOff,CrashLoopBackOff' : ''} />
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>When to fire</legend>
        <label>
          At least <input name="threshold" type="number" min="1" required defaultValue={String(initial.threshold)} /> events
        </label>
        <label>
          within <input name="window" required defaultValue={initial.window} placeholder="5m" />
        </label>
        <label>
          grouped by <input name="groupBy" defaultValue={initial.groupBy.join(', ')} placeholder="namespace, name" />
        </label>
      </fieldset>
      <fieldset>
        <legend>Notify</legend>
        <Status loaded={sinks}>
          {(data) =>
            data.items.length ? (
              data.items.map((s) => (
                <label key={s.name} class="check">
                  <input type="checkbox" name="sinks" value={s.name} defaultChecked={initial.sinks.includes(s.name)} /> {s.name}{' '}
                  <span class="muted">({s.kind})</span>
                </label>
              ))
            ) : (
              <p class="muted">No notification sinks configured: the rule only records history.</p>
            )
          }
        </Status>
        <label class="check">
          <input type="checkbox" name="enabled" defaultChecked={initial.enabled} /> enabled
        </label>
      </fieldset>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit" disabled={saving}>
          {id ? 'Save' : 'Create rule'}
        </button>
        <a class="button secondary" href="#/rules">
          Cancel
        </a>
        {id && (
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
  const loaded = useApi<{ initial: RuleInput; title: string }>(async (signal) => {
    if (id) {
      const rule: Rule = await api.rule(id, signal);
      return { initial: rule, title: `Edit rule ${rule.name}` };
    }
    if (template) {
      const found = (await api.templates(signal)).items.find((t) => t.id === template);
      if (!found) throw new Error(`no template ${template}`);
      return { initial: { ...found.rule, name: found.rule.name || found.name }, title: `New rule from "${found.name}"` };
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
          <Section title="Rule">
            <RuleForm initial={initial} id={id} key={`${id}/${template}`} />
          </Section>
        </>
      )}
    </Status>
  );
}
