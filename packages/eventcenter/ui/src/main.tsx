import { render } from 'preact';
import { ApiError, api, setClusterScope, setToken } from './api.ts';
import { ClusterPicker } from './components/clusters.tsx';
import { EventDetail } from './pages/event.tsx';
import { History } from './pages/history.tsx';
import { NodePage, Nodes } from './pages/nodes.tsx';
import { Overview } from './pages/overview.tsx';
import { PodLifecycle } from './pages/pod.tsx';
import { RuleEditor, Rules } from './pages/rules.tsx';
import { Search } from './pages/search.tsx';
import { Silences } from './pages/silences.tsx';
import { type Route, useRoute } from './route.ts';
import { type Session, SessionContext } from './session.ts';
import { useApi } from './use-api.ts';
import './style.css';

const PAGES: Record<string, (props: { route: Route }) => preact.JSX.Element> = {
  overview: Overview,
  search: Search,
  event: EventDetail,
  pod: PodLifecycle,
  nodes: Nodes,
  node: NodePage,
  rules: Rules,
  rule: RuleEditor,
  history: History,
  silences: Silences,
};

const NAV = [
  { page: 'overview', label: 'Overview', also: [] },
  { page: 'search', label: 'Search', also: ['event'] },
  { page: 'pod', label: 'Pod lifecycle', also: [] },
  { page: 'nodes', label: 'Nodes', also: ['node'] },
  { page: 'rules', label: 'Alert rules', also: ['rule'] },
  { page: 'history', label: 'Alert history', also: [] },
  { page: 'silences', label: 'Silences', also: [] },
];

/** Asks for the bearer token when the API says 401 (kept in sessionStorage: this tab only). */
function TokenForm({ message }: { message: string }) {
  const submit = (e: Event) => {
    e.preventDefault();
    const token = String(new FormData(e.currentTarget as HTMLFormElement).get('token') ?? '').trim();
    setToken(token);
    location.reload();
  };
  return (
    <section class="card signin">
      <h1>Sign in</h1>
      <p class="error" role="alert">
        {message}
      </p>
      <form class="filters" aria-label="token" onSubmit={submit}>
        <input
          name="token"
          type="password"
          class="wide"
          aria-label="token"
          placeholder="bearer token (kept for this tab only)"
          autoComplete="off"
        />
        <button type="submit">Use token</button>
      </form>
    </section>
  );
}

function SessionBadge({ session }: { session: Session | undefined }) {
  if (!session || session.auth === 'none') return null;
  const signOut = () => {
    setToken('');
    location.reload();
  };
  return (
    <div class="session">
      <span>{session.roles.includes('editor') ? 'editor' : 'viewer'}</span>
      <button type="button" class="secondary small" onClick={signOut}>
        Sign out
      </button>
    </div>
  );
}

function App() {
  const route = useRoute();
  const who = useApi((signal) => api.whoami(signal), 'whoami');
  const Page = PAGES[route.page];
  // Links keep the time range and the cluster selection across pages.
  const range = route.params.get('range');
  const cluster = route.params.get('cluster') ?? '';
  setClusterScope(cluster);
  const keep = new URLSearchParams();
  if (range) keep.set('range', range);
  if (cluster) keep.set('cluster', cluster);
  const kept = keep.toString();
  const unauthorized = who.error instanceof ApiError && who.error.status === 401;
  return (
    <SessionContext.Provider value={who.data ?? { auth: 'none', roles: [] }}>
      <div class="shell">
        <nav>
          <a class="brand" href="#/overview">
            Event center
          </a>
          {NAV.map((n) => (
            <a
              key={n.page}
              href={`#/${n.page}${kept ? `?${kept}` : ''}`}
              class={n.page === route.page || n.also.includes(route.page) ? 'active' : ''}
            >
              {n.label}
            </a>
          ))}
          {who.data && <ClusterPicker route={route} />}
          <SessionBadge session={who.data} />
        </nav>
        <main data-route={route.hash}>
          {unauthorized ? (
            <TokenForm message={who.error?.message ?? ''} />
          ) : who.data === undefined && !who.error ? (
            <p class="muted">Loading…</p>
          ) : Page ? (
            <Page route={route} key={`${route.page}/${route.id ?? ''}/${cluster}`} />
          ) : (
            <p class="error">No page “{route.page}”.</p>
          )}
        </main>
      </div>
    </SessionContext.Provider>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
