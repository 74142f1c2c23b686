import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Section, Status } from '../components/common.tsx';
import type { Route } from '../route.ts';
import { formatTime, rangeMs } from '../time.ts';
import { useApi } from '../use-api.ts';

const MATCHERS = ['rule', 'namespace', 'node', 'reason'] as const;

export function Silences({ route }: { route: Route }) {
  const loaded = useApi((signal) => api.silences(signal), 'silences');
  const [error, setError] = useState('');
  const create = async (e: Event) => {
    e.preventDefault();
    const formEl = e.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    const matchers: Record<string, string> = {};
    for (const m of MATCHERS) {
      const v = String(form.get(m) ?? '').trim();
      if (v) matchers[m] = v;
    }
    const duration = String(form.get('duration') ?? '');
    setError('');
    try {
      await api.createSilence({
        matchers,
        comment: String(form.get('comment') ?? ''),
        endsAt: new Date(Date.now() + (rangeMs(duration) ?? 3_600_000)).toISOString(),
      });
      formEl.reset();
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
      <Section title="New silence">
        <form class="filters" onSubmit={create}>
          {MATCHERS.map((m) => (
            <input key={m} name={m} aria-label={m} placeholder={m} defaultValue={route.params.get(m) ?? ''} />
          ))}
          <select name="duration" aria-label="duration" defaultValue="1h">
            {['15m', '1h', '4h', '24h', '7d'].map((d) => (
              <option key={d} value={d}>
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
      <Section title="Silences">
        <Status loaded={loaded}>
          {(data) =>
            data.items.length ? (
              <table class="list">
                <thead>
                  <tr>
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
                  {data.items.map((s) => (
                    <tr key={s.id} data-silence={s.id}>
                      <td class="mono">
                        {Object.entries(s.matchers)
                          .map(([k, v]) => `${k}=${v}`)
                          .join(', ') || 'everything'}
                      </td>
                      <td>{s.comment}</td>
                      <td>{s.createdBy}</td>
                      <td class="time">{formatTime(s.startsAt)}</td>
                      <td class="time">{formatTime(s.endsAt)}</td>
                      <td>{s.active ? <span class="badge other">active</span> : <span class="muted">expired</span>}</td>
                      <td>
                        {s.active && (
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
            )
          }
        </Status>
      </Section>
    </>
  );
}
