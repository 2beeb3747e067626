// Browser sessions: an HMAC-signed cookie naming the key and an expiry. Nothing secret is
// in it, and revoking the key ends every session made with it (the key is looked up on
// each request).
import crypto from 'node:crypto';
import type { KeyStore, Principal } from './keys.ts';

export const SESSION_COOKIE = 'fw_session';
const TTL_MS = 30 * 86_400_000;

export class Sessions {
  constructor(
    private secret: string,
    private keys: KeyStore,
    private secure = false,
  ) {}

  private sign(s: string) {
    return crypto.createHmac('sha256', this.secret).update(s).digest('base64url');
  }

  issue(keyId: string, now = Date.now()): string {
    const body = `${Buffer.from(keyId).toString('base64url')}.${now + TTL_MS}`;
    return `${body}.${this.sign(body)}`;
  }

  verify(cookie: string, now = Date.now()): Principal | null {
    const parts = cookie.split('.');
    if (parts.length !== 3) return null;
    const body = `${parts[0]}.${parts[1]}`;
    const mac = Buffer.from(this.sign(body));
    const given = Buffer.from(parts[2]);
    if (mac.length !== given.length || !crypto.timingSafeEqual(mac, given)) return null;
    if (Number(parts[1]) < now) return null;
    return this.keys.byId(Buffer.from(parts[0], 'base64url').toString());
  }

  cookieOptions() {
    return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: this.secure, maxAge: TTL_MS / 1000 };
  }
}
