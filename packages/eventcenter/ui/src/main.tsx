import { render } from 'preact';
import { useState } from 'preact/hooks';
import { getToken, setToken } from './api.ts';
import { EventDetail } from './pages/event.tsx';
import { History } from './pages/history.tsx';
import { NodePage, Nodes } from './pages/nodes.tsx';
import { Overview } from './pages/overview.tsx';
import { PodLifecycle } from './pages/pod.tsx';
import { RuleEditor, Rules } from './pages/rules.tsx';
import { Search } from './pages/search.tsx';
import { Silences } from './pages/silences.tsx';
import { type Route, useRoute } from './route.ts';
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

function TokenButton() {
  const [token, set] = useState(getToken());
  const edit = () => {
    const value = prompt('Bearer token for the event center API (kept for this tab only):', token);
    if (value === null) return;
    setToken(value.trim());
    set(value.trim());
    location.reload();
  };
  return (
    <button type="button" class="token secondary small" onClick={edit} title="API token">
      {token ? 'token set' : 'token'}
    </button>
  );
}

function App() {
  const route = useRoute();
  const Page = PAGES[route.page];
  // Links keep the time range across pages.
  const range = route.params.get('range');
  return (
    <div class="shell">
      <nav>
        <a class="brand" href="#/overview">
          Event center
        </a>
        {NAV.map((n) => (
          <a
            key={n.page}
            href={`#/${n.page}${range ? `?range=${encodeURIComponent(range)}` : ''}`}
            class={n.page === route.page || n.also.includes(route.page) ? 'active' : ''}
          >
            {n.label}
          </a>
        ))}
        <TokenButton />
      </nav>
      <main data-route={route.hash}>
        {Page ? <Page route={route} key={`${route.page}/${route.id ?? ''}`} /> : <p class="error">No page “{route.page}”.</p>}
      </main>
    </div>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
