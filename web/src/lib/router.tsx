import { createContext, useCallback, useContext, useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';
import { hrefOf, parseRoute, type Route } from './routes.ts';

interface Nav {
  route: Route;
  /** Goes to a route; `replace` rewrites the current history entry (settings changes, redirects). */
  go(to: Route, options?: { replace?: boolean }): void;
}

const NavContext = createContext<Nav | null>(null);

const current = () => parseRoute(window.location.pathname, window.location.search);

/**
 * Puts the URL of what is shown in the address bar: a setting the URL gave out of range (an
 * unknown issue type, a level the slider does not have) is read as its default, and a URL
 * copied from there then opens the same view.
 */
function showCanonical(route: Route): void {
  if (route.page === 'not-found') return;
  const href = hrefOf(route);
  if (href !== window.location.pathname + window.location.search) window.history.replaceState(null, '', href + window.location.hash);
}

export function RouterProvider({ children }: { children: React.ReactNode }) {
  const [route, setRoute] = useState<Route>(current);
  useEffect(() => showCanonical(route), [route]);
  useEffect(() => {
    const onPop = () => setRoute(current());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((to: Route, options: { replace?: boolean } = {}) => {
    const href = hrefOf(to);
    if (options.replace) window.history.replaceState(null, '', href);
    else if (href !== window.location.pathname + window.location.search) window.history.pushState(null, '', href);
    setRoute(parseRoute(window.location.pathname, window.location.search));
  }, []);
  return <NavContext.Provider value={{ route, go }}>{children}</NavContext.Provider>;
}

export function useNav(): Nav {
  const nav = useContext(NavContext);
  if (!nav) throw new Error('useNav outside RouterProvider');
  return nav;
}

/** A real link (open in a new tab works) that navigates in place on a plain click. */
export function Link({ to, ...rest }: { to: Route } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { go } = useNav();
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    go(to);
  };
  return <a {...rest} href={hrefOf(to)} onClick={onClick} />;
}
