import { api } from '../api.ts';
import { Section, Status, TimeRange, TypeBadge } from '../components/common.tsx';
import { href, navigate, type Route, withParams } from '../route.ts';
import { formatTime, window } from '../time.ts';
import { useApi } from '../use-api.ts';

function PodForm({ route }: { route: Route }) {
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    navigate(
      'pod',
      withParams(route, { namespace: String(form.get('namespace') ?? '').trim(), name: String(form.get('name') ?? '').trim() }),
    );
  };
  return (
    <form class="filters" onSubmit={submit} key={route.params.toString()}>
      <input name="namespace" aria-label="namespace" placeholder="namespace" required defaultValue={route.params.get('namespace') ?? ''} />
      <input name="name" aria-label="pod name" placeholder="pod name" required defaultValue={route.params.get('name') ?? ''} />
      <button type="submit">Show lifecycle</button>
    </form>
  );
}

/** Phases that mean trouble are drawn red. */
function phaseClass(phase: string): string {
  return /fail|unschedulable|oom|evict|crash|backoff|preempt|unhealthy/i.test(phase) ? 'bad' : '';
}

function Timeline({ namespace, name, route }: { namespace: string; name: string; route: Route }) {
  const query = window(route.params, '7d');
  const loaded = useApi((signal) => api.lifecycle(namespace, name, query, signal), `${namespace}/${name}/${JSON.stringify(query)}`);
  return (
    <Status loaded={loaded}>
      {(life) => (
        <>
          <Section title={`Pod ${life.namespace}/${life.pod}`}>
            <dl class="fields">
              <dt>Owners</dt>
              <dd>
                {life.owners.length
                  ? life.owners.map((o, i) => (
                      <span key={`${o.kind}/${o.name}`}>
                        {i > 0 && ' → '}
                        <a href={href('search', { kind: o.kind, name: o.name, namespace })}>{`${o.kind}/${o.name}`}</a>
                      </span>
                    ))
                  : 'none found'}
                {life.ownerSource === 'names' && <span class="muted"> (inferred from names: the objects are gone from the cluster)</span>}
              </dd>
              <dt>Node</dt>
              <dd>{life.node ? <a href={href('node', {}, life.node)}>{life.node}</a> : 'not scheduled'}</dd>
            </dl>
            {life.phases.length > 0 && (
              <ol class="phases" aria-label="phases">
                {life.phases.map((ph) => (
                  <li key={`${ph.phase}@${ph.since}`} class={`phase ${phaseClass(ph.phase)}`} title={ph.reason}>
                    <strong>{ph.phase}</strong>
                    <span>{formatTime(ph.since)}</span>
                    {ph.reason && <em>{ph.reason}</em>}
                  </li>
                ))}
              </ol>
            )}
          </Section>
          <Section title={`Timeline (${life.events.length} events)`}>
            {life.events.length === 0 ? (
              <p class="muted">No events for this pod, its owners or its node in this window.</p>
            ) : (
              <ol class="timeline">
                {life.events.map((e) => (
                  <li
                    key={e.id}
                    class={`role-${e.role} ${e.type === 'Warning' ? 'warning' : ''}`}
                    data-reason={e.reason}
                    data-who={`${e.kind}/${e.name}`}
                    data-ts={e.timestamp}
                  >
                    <time>{formatTime(e.time)}</time>
                    <span class="who">
                      {e.kind}/{e.name}
                    </span>
                    <TypeBadge type={e.type} />
                    <a class="reason" href={href('event', {}, e.id)}>
                      {e.reason}
                    </a>
                    {e.count > 1 && <span class="count">×{e.count}</span>}
                    <p class="message">{e.message}</p>
                  </li>
                ))}
              </ol>
            )}
          </Section>
        </>
      )}
    </Status>
  );
}

export function PodLifecycle({ route }: { route: Route }) {
  const namespace = route.params.get('namespace') ?? '';
  const name = route.params.get('name') ?? '';
  return (
    <>
      <div class="toolbar">
        <h1>Pod lifecycle</h1>
        <TimeRange route={route} fallback="7d" />
      </div>
      <PodForm route={route} />
      {namespace && name ? (
        <Timeline namespace={namespace} name={name} route={route} />
      ) : (
        <p class="muted">Name a pod, or open one from an event (its object link).</p>
      )}
    </>
  );
}
