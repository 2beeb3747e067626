// Same-origin calls to the Floorwatch API. A wall opened with `?key=` sends the key as a
// Bearer token (it runs unattended, without a session); everyone else uses the cookie.
import type { AgentRow, Metrics, QueuePolicy, ScopeInfo, Window } from '../../../pipelines/engine/types.ts';
import type { Board } from '../../../server/boards/board-schema.ts';

export interface Session {
  tenant: string;
  scopes: string[];
}

export interface Alert {
  id: string;
  rule_id: string;
  rule_name: string;
  metric: string;
  scope: string;
  window: Window;
  severity: 'info' | 'warning' | 'critical';
  status: 'firing' | 'resolved';
  value: number | null;
  threshold: number;
  starts_at: string;
  ends_at: string | null;
}

export interface KpiReading {
  scope: string;
  window: Window;
  at: string;
  metrics: Metrics;
}

export interface SeriesPoint {
  at: string;
  value: number | null;
}

export type { AgentRow, Board, Metrics, ScopeInfo, Window };

/** RFC 9457 problem details as the API sends them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: unknown[] | undefined,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

let bearerKey: string | null = null;

/** Use a key from the URL instead of the session cookie (unattended walls). */
export function setKey(key: string | null): void {
  bearerKey = key && key.length > 0 ? key : null;
}
export function getKey(): string | null {
  return bearerKey;
}

/** One request to the API with the page's auth (session cookie or `?key=` bearer); problem+json errors become ApiError. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (bearerKey) headers.authorization = `Bearer ${bearerKey}`;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const p = (json ?? {}) as { title?: string; detail?: string; errors?: unknown[] };
    throw new ApiError(res.status, p.title ?? res.statusText ?? 'Request failed', p.detail, p.errors);
  }
  return json as T;
}

const q = (params: Record<string, string | number>): string =>
  new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();

export const api = {
  signIn: (key: string) => request<Session>('POST', '/v1/session', { key }),
  session: () => request<Session>('GET', '/v1/session'),
  signOut: () => request<void>('DELETE', '/v1/session'),

  scopes: () => request<{ scopes: ScopeInfo[] }>('GET', '/v1/kpis/scopes').then((r) => r.scopes),
  kpis: (scope: string, window: Window) => request<KpiReading>('GET', `/v1/kpis?${q({ scope, window })}`),
  series: (scope: string, window: Window, metric: string, minutes = 30) =>
    request<{ points: SeriesPoint[] }>('GET', `/v1/kpis/series?${q({ scope, window, metric, minutes })}`)
      .then((r) => r.points),
  alerts: () => request<{ firing: Alert[]; recent: Alert[] }>('GET', '/v1/alerts'),
  tenant: () => request<{ time_zone?: string; name?: string }>('GET', '/v1/tenant'),
  queues: () => request<{ items: (QueuePolicy & { id: string; name?: string })[] }>('GET', '/v1/queues').then((r) => r.items),

  boards: () => request<{ items: Board[] }>('GET', '/v1/boards').then((r) => r.items),
  board: (id: string) => request<Board>('GET', `/v1/boards/${encodeURIComponent(id)}`),
  saveBoard: (board: Board) => request<Board>('PUT', `/v1/boards/${encodeURIComponent(board.id)}`, board),
  deleteBoard: (id: string) => request<void>('DELETE', `/v1/boards/${encodeURIComponent(id)}`),
};

/** WebSocket URL of the live feed; the key rides in the query since browsers cannot set headers. */
export function liveUrl(loc: Location = location): string {
  const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  const key = bearerKey ? `?key=${encodeURIComponent(bearerKey)}` : '';
  return `${proto}//${loc.host}/v1/live${key}`;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const details = (e.errors ?? [])
      .map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
      .slice(0, 5);
    return [e.message, ...details].join('\n');
  }
  return e instanceof Error ? e.message : String(e);
}
