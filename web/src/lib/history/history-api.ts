// Calls of the history pages; the key from a wall URL (?key=) rides as a Bearer token.
import { getKey } from '$lib/api';

export async function getJson<T>(path: string): Promise<T> {
  const key = getKey();
  const res = await fetch(path, { headers: { accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, credentials: 'same-origin' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.detail ?? `${res.status} ${res.statusText}`);
  return body as T;
}

export const qs = (o: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(o).filter((e): e is [string, string] => !!e[1])).toString();
