import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Section, Status } from '../components/common.tsx';
import type { Route } from '../route.ts';
import { useCanEdit } from '../session.ts';
import { formatTime, parseDuration } from '../time.ts';
import { useApi } from '../use-api.ts';

const MATCHERS = ['namespace', 'node', 'reason', 'name'] as const;

export function Silences({ route }: { route: Route }) {
  const canEdit = useCanEdit();
  const loaded = useApi(async (signal) => {
    const [silences, rules] = await Promise.all([api.silences(signal), api.rules(signal)]);
    return { silences: silences.silences, rules: rules.rules };
  }, 'silences');
  const [error, setError] = useState('');
  // A new key after each create mounts a fresh form (reset() would forget the selected defaults).
  const [formKey, setFormKey] = useState(0);
  const create = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const matchers: Record<string, string> = {};
    for (const m of MATCHERS) {
      const v = String(form.get(m) ?? '').trim();
      if (v) matchers[m] = v;
    }
    const duration = parseDuration(String(form.get('duration') ?? ''));
    if (duration === undefined) {
      setError('duration: a duration like 1h or 30m');
      return;
    }
    setError('');
    try {
      await api.createSilence({
        ruleId: String(form.get('ruleId') ?? ''),
        matchers,
        comment: String(form.get('comment') ?? ''),
        expiresAt: Date.now() + duration,
      });
      setFormKey((k) => k + 1);
      loaded.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const expire = async (id: string) => {
    try {
      await api.deleteSilence(id);
      loaded.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      <div class="toolbar">
        <h1>Silences</h1>
      </div>
      <Status loaded={loaded}>
        {({ silences, rules }) => {
          const names = new Map(rules.map((r) => [r.id, r.name]));
          return (
            <>
              {canEdit && (
                <Section title="New silence">
                  <form class="filters" onSubmit={create} aria-label="new silence" key={formKey}>
                    <select name="ruleId" aria-label="rule">
                      <option value="">every rule</option>
                      {rules.map((r) => (
                        <option key={r.id} value={r.id} selected={route.params.get('ruleId') === r.id}>
                          {r.name}
                        </option>
                      ))}
                    </select>
                    {MATCHERS.map((m) => (
                      <input key={m} name={m} aria-label={m} placeholder={m} defaultValue={route.params.get(m) ?? ''} />
                    ))}
                    <select name="duration" aria-label="duration">
                      {['15m', '1h', '4h', '24h', '7d'].map((d) => (
                        <option key={d} value={d} selected={d === '1h'}>
                          for {d}
                        </option>
                      ))}
                    </select>
                    <input name="comment" aria-label="comment" placeholder="comment" class="wide" />
                    <button type="submit">Silence</button>
                  </form>
                  {error && (
                    <p class="error" role="alert">
                      {error}
                    </p>
                  )}
                </Section>
              )}
              <Section title="Silences">
                {silences.length ? (
                  <table class="list" aria-label="silences">
                    <thead>
                      <tr>
                        <th>Rule</th>
                        <th>Matches</th>
                        <th>Comment</th>
                        <th>By</th>
                        <th class="time">From</th>
                        <th class="time">Until</th>
                        <th>State</th>
                        <th />
                      </tr>
                    </thead>
                    <tbody>
                      {silences.map((s) => (
                        <tr key={s.id} data-silence={s.id} data-active={String(s.active)}>
                          <td>{s.ruleId ? (names.get(s.ruleId) ?? s.ruleId) : 'every rule'}</td>
                          <td class="mono">
                            {Object.entries(s.matchers)
                              .map(([k, v]) => `${k}=${v}`)
                              .join(', ') || 'everything'}
                          </td>
                          <td>{s.comment}</td>
                          <td>{s.createdBy}</td>
                          <td class="time">{formatTime(s.startsAt)}</td>
                          <td class="time">{formatTime(s.expiresAt)}</td>
                          <td>{s.active ? <span class="badge other">active</span> : <span class="muted">expired</span>}</td>
                          <td>
                            {s.active && canEdit && (
                              <button type="button" class="secondary small" onClick={() => expire(s.id)}>
                                Expire
                              </button>
                            )}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <p class="muted">No silences.</p>
                )}
              </Section>
            </>
          );
        }}
      </Status>
    </>
  );
}
