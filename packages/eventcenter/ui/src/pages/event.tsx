import { api } from '../api.ts';
import { ObjectLink, Section, Status, TypeBadge } from '../components/common.tsx';
import { href, type Route } from '../route.ts';
import { formatTime } from '../time.ts';
import { useApi } from '../use-api.ts';

export function EventDetail({ route }: { route: Route }) {
  const id = route.id ?? '';
  const loaded = useApi((signal) => api.event(id, signal), id);
  return (
    <Status loaded={loaded}>
      {(e) => (
        <>
          <div class="toolbar">
            <h1>
              <TypeBadge type={e.type} /> {e.reason}
            </h1>
            <a class="button secondary" href={href('search', { reason: e.reason, namespace: e.namespace })}>
              Similar events
            </a>
          </div>
          <Section title="Event">
            <dl class="fields">
              <dt>Object</dt>
              <dd>
                <ObjectLink event={e} />
              </dd>
              <dt>Message</dt>
              <dd class="pre">{e.message}</dd>
              <dt>Count</dt>
              <dd>{e.count}</dd>
              <dt>Time</dt>
              <dd>{formatTime(e.time)}</dd>
              <dt>Source</dt>
              <dd>{[e.component, e.host].filter(Boolean).join(' on ')}</dd>
              {e.condition && (
                <>
                  <dt>Condition</dt>
                  <dd>
                    {e.condition.type} = {e.condition.status} ({e.condition.reason})
                  </dd>
                </>
              )}
              {e.cluster && (
                <>
                  <dt>Cluster</dt>
                  <dd>{e.cluster}</dd>
                </>
              )}
              {e.node && (
                <>
                  <dt>Node</dt>
                  <dd>
                    <a href={href('node', {}, e.node)}>{e.node}</a>
                  </dd>
                </>
              )}
              <dt>UID</dt>
              <dd class="mono">{e.uid}</dd>
            </dl>
          </Section>
          <Section title="Raw JSON">
            <pre class="json" data-testid="raw-json">
              {JSON.stringify(e.raw ?? e, null, 2)}
            </pre>
          </Section>
        </>
      )}
    </Status>
  );
}
