import { useEffect, useState } from 'react';
import { client, UNAUTHORIZED_EVENT } from './client.ts';
import { Link, useNav } from './lib/router.tsx';
import { hrefOf, parseRoute } from './lib/routes.ts';
import { DatasetPage } from './pages/dataset.tsx';
import { DatasetsPage } from './pages/datasets.tsx';
import { KeysPage } from './pages/keys.tsx';
import { TasksPage } from './pages/tasks.tsx';
import { LoginPage } from './pages/login.tsx';

const USER_KEY = 'strata.user';

export function App() {
  const { route, go } = useNav();
  const [user, setUser] = useState<string | null>(() => localStorage.getItem(USER_KEY));

  // Any call answered 401 means the session is gone: log in again, then come back here.
  useEffect(() => {
    const onUnauthorized = () => {
      localStorage.removeItem(USER_KEY);
      setUser(null);
      const here = window.location.pathname + window.location.search;
      if (!here.startsWith('/login')) go({ page: 'login', next: here }, { replace: true });
    };
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, [go]);

  useEffect(() => {
    const names: Record<string, string> = { login: 'Log in', dataset: 'Dataset', keys: 'API keys', tasks: 'Tasks', datasets: 'Datasets', 'not-found': 'Not found' };
    const name = names[route.page];
    document.title = `${name} · Strata`;
  }, [route]);

  if (route.page === 'login') {
    return (
      <LoginPage
        onLoggedIn={(email) => {
          localStorage.setItem(USER_KEY, email);
          setUser(email);
          go(parseNext(route.next), { replace: true });
        }}
      />
    );
  }

  const logout = async () => {
    await client.logout();
    localStorage.removeItem(USER_KEY);
    setUser(null);
    go({ page: 'login', next: '/' });
  };

  return (
    <div className="shell">
      <header className="topbar">
        <Link to={{ page: 'datasets' }} className="brand" aria-label="Strata: all datasets">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Strata</span>
        </Link>
        <nav className="topnav" aria-label="Main">
          <Link to={{ page: 'datasets' }} aria-current={route.page === 'datasets' ? 'page' : undefined}>
            Datasets
          </Link>
          <Link to={{ page: 'tasks', datasetId: null }} aria-current={route.page === 'tasks' ? 'page' : undefined}>
            Tasks
          </Link>
          <Link to={{ page: 'keys' }} aria-current={route.page === 'keys' ? 'page' : undefined}>
            API keys
          </Link>
        </nav>
        <div className="topbar-user">
          {user && <span className="muted user-email">{user}</span>}
          <button type="button" className="btn btn-ghost" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      <main className="content" id="main">
        {route.page === 'datasets' && <DatasetsPage />}
        {route.page === 'dataset' && <DatasetPage route={route} />}
        {route.page === 'keys' && <KeysPage />}
        {route.page === 'tasks' && <TasksPage key={route.datasetId ?? ''} datasetId={route.datasetId} />}
        {route.page === 'not-found' && (
          <section className="page">
            <h1>Page not found</h1>
            <p>
              <a href={hrefOf({ page: 'datasets' })}>Back to the datasets</a>
            </p>
          </section>
        )}
      </main>
    </div>
  );
}

/** The route a login came from (`next` is already known to be a path on this site). */
function parseNext(next: string) {
  const url = new URL(next, window.location.origin);
  return parseRoute(url.pathname, url.search);
}
