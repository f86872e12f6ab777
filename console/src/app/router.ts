/** Hash routes: `#/runs`, `#/runs/<runId>`, `#/models`, `#/drops`, `#/try`; `?page=N` and filters after them. */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  page: 'runs' | 'run' | 'models' | 'drops' | 'try';
  runId?: string;
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts[0] === 'runs' && parts[1]) return { page: 'run', runId: parts[1], params };
  if (parts[0] === 'models' || parts[0] === 'drops' || parts[0] === 'try') return { page: parts[0], params };
  return { page: 'runs', params };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export const runHref = (runId: string): string => `#/runs/${encodeURIComponent(runId)}`;

export function withParams(base: string, params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, String(value));
  const text = query.toString();
  return text ? `${base}?${text}` : base;
}
