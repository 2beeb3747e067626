// One HTTP POST of one notification: signed, with a hard timeout, connecting only to an
// address the target-safety rules allow (checked in the socket's own DNS lookup).
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { guardedLookup, isPrivateAddress } from './target-safety.ts';
import { signature, slackBody, type AlertMessage } from './payload.ts';

// Keep-alive pools, one per safety policy, so a socket opened under "private allowed"
// is never reused for a tenant that does not allow it.
const agents = {
  http: [new http.Agent({ keepAlive: true, maxSockets: 64 }), new http.Agent({ keepAlive: true, maxSockets: 64 })],
  https: [new https.Agent({ keepAlive: true, maxSockets: 64 }), new https.Agent({ keepAlive: true, maxSockets: 64 })],
};

export interface DeliveryResult {
  ok: boolean;
  status: number | null;
  /** retrying cannot help (refused target, 4xx other than 408/429) */
  permanent: boolean;
  error?: string;
}

export function requestBody(m: AlertMessage): string {
  return JSON.stringify(m.target.type === 'slack' ? slackBody(m.body) : m.body);
}

export function deliver(
  m: AlertMessage,
  opts: { allowPrivate: boolean; timeoutMs: number; now?: () => number },
): Promise<DeliveryResult> {
  let u: URL;
  try {
    u = new URL(m.target.url);
  } catch {
    return Promise.resolve({ ok: false, status: null, permanent: true, error: 'invalid URL' });
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  // An IP literal never goes through `lookup`, so it is checked here.
  if (net.isIP(host) && !opts.allowPrivate && isPrivateAddress(host))
    return Promise.resolve({ ok: false, status: null, permanent: true, error: `refused: private address ${host}` });
  const body = requestBody(m);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'Floorwatch-Alerts/1',
    'floorwatch-delivery': m.delivery_id,
    'floorwatch-event': m.kind,
  };
  if (m.target.secret)
    headers['floorwatch-signature'] = signature(m.target.secret, body, Math.floor((opts.now?.() ?? Date.now()) / 1000));
  const tls = u.protocol === 'https:';
  const mod = tls ? https : http;
  const agent = (tls ? agents.https : agents.http)[opts.allowPrivate ? 1 : 0];
  return new Promise((resolve) => {
    const req = mod.request(
      u,
      { method: 'POST', headers, lookup: guardedLookup(opts.allowPrivate) as never, timeout: opts.timeoutMs, agent },
      (res) => {
        res.resume();
        res.on('end', () => {
          const s = res.statusCode ?? 0;
          const ok = s >= 200 && s < 300;
          resolve({ ok, status: s, permanent: !ok && s >= 400 && s < 500 && s !== 408 && s !== 429 });
        });
        res.on('error', (err) => resolve({ ok: false, status: res.statusCode ?? null, permanent: false, error: err.message }));
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ ok: false, status: null, permanent: err.code === 'EPRIVATE', error: err.message }),
    );
    req.on('close', () => clearTimeout(timer));
    req.end(body);
  });
}
