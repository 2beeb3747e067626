// Webhook targets must not let a tenant make Floorwatch call into its own network
// (SSRF): loopback, private, link-local, unique-local, CGNAT and "this host" addresses
// are refused unless the tenant setting allow_private_webhooks is on. The check runs when
// a rule is saved and again inside the connection's DNS lookup at delivery time, so a
// name that re-resolves to a private address later (DNS rebinding) is still refused.
import dns from 'node:dns';
import net from 'node:net';

const blocked = new net.BlockList();
for (const [a, p] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(a, p, 'ipv4');
for (const [a, p] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  blocked.addSubnet(a, p, 'ipv6');

/** true for an address a webhook may not reach without allow_private_webhooks */
export function isPrivateAddress(addr: string): boolean {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (v4mapped) return blocked.check(v4mapped[1], 'ipv4');
  const family = net.isIP(addr);
  if (family === 4) return blocked.check(addr, 'ipv4');
  if (family === 6) return blocked.check(addr, 'ipv6');
  return true;
}

export type LookupAll = (host: string) => Promise<{ address: string; family: number }[]>;
const defaultLookup: LookupAll = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/**
 * Why a target URL may not be used, or null when it may. Every address the name resolves
 * to must be public: one private answer is enough for a rebinding attack.
 */
export async function targetProblem(
  raw: string,
  allowPrivate: boolean,
  lookup: LookupAll = defaultLookup,
): Promise<string | null> {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not a valid URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'only http and https URLs are allowed';
  if (u.username || u.password) return 'credentials in the URL are not allowed; use the secret';
  if (allowPrivate) return null;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  let addrs: { address: string }[];
  if (net.isIP(host)) addrs = [{ address: host }];
  else {
    try {
      addrs = await lookup(host);
    } catch (err) {
      return `the host name does not resolve (${(err as { code?: string }).code ?? 'error'})`;
    }
  }
  if (addrs.length === 0) return 'the host name does not resolve';
  const bad = addrs.find((a) => isPrivateAddress(a.address));
  if (bad)
    return `resolves to ${bad.address}, a loopback/private address; the tenant setting allow_private_webhooks allows it`;
  return null;
}

type LookupCb = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** A `lookup` for http.request that refuses private addresses at connect time. */
export function guardedLookup(allowPrivate: boolean) {
  return (host: string, opts: dns.LookupOptions, cb: LookupCb) => {
    dns.lookup(host, { ...opts, all: true }, (err, addrs) => {
      if (err) return cb(err, '', 0);
      const list = addrs as dns.LookupAddress[];
      if (!allowPrivate) {
        const bad = list.find((a) => isPrivateAddress(a.address));
        if (bad) {
          const e = new Error(`refused: ${host} resolves to private address ${bad.address}`) as NodeJS.ErrnoException;
          e.code = 'EPRIVATE';
          return cb(e, '', 0);
        }
      }
      if (opts.all) return cb(null, list);
      cb(null, list[0].address, list[0].family);
    });
  };
}
