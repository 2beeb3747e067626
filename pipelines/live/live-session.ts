// One WebSocket client of /v1/live. Protocol (spec/api.md): the client subscribes to
// scopes and windows (each subscribe replaces the last); it gets a `snapshot` per scope × window (and `agents` lists), then
// `update`s, `alert`s and a `heartbeat` every 2 s. A slow client never grows a buffer:
// what it has not taken yet is coalesced to the latest value per scope × window.
import type { WebSocket } from 'ws';
import { WINDOWS, type ScopeSnapshot, type Window } from '../engine/types.ts';
import { encoded, type LiveAlert, type Listener, type TenantKpis } from './kpi-cache.ts';

/** a socket with more than this many bytes queued is "slow": new values wait, coalesced */
const HIGH_WATER = 256 * 1024;
const SCOPE_RE = /^(all|(queue|channel|team|agent):.{1,128})$/;

export class LiveSession {
  private scopes = new Set<string>();
  private windows = new Set<Window>();
  private agents = false;
  private pending = new Map<string, string>();
  private draining = false;
  private heartbeat: NodeJS.Timeout;
  private listener: Listener;
  dropped = 0;

  constructor(
    private ws: WebSocket,
    private kpis: TenantKpis,
    heartbeatMs = 2_000,
  ) {
    this.listener = {
      snapshot: (s) => this.onSnapshot(s),
      alert: (a) => this.onAlert(a),
    };
    kpis.listeners.add(this.listener);
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('close', () => this.close());
    // data_at: how fresh this node's numbers are, so a wall can tell a stuck engine from
    // a quiet floor even while the socket itself is fine.
    this.heartbeat = setInterval(
      () =>
        this.send('hb', {
          type: 'heartbeat',
          at: new Date().toISOString(),
          data_at: kpis.lastAt ? new Date(kpis.lastAt).toISOString() : null,
        }),
      heartbeatMs,
    );
  }

  private onMessage(text: string) {
    let msg: { type?: string; scopes?: unknown; windows?: unknown; agents?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return this.error('message is not JSON');
    }
    if (msg.type !== 'subscribe' && msg.type !== 'unsubscribe') return this.error(`unknown message type "${msg.type}"`);
    const scopes = Array.isArray(msg.scopes) ? msg.scopes.filter((s): s is string => typeof s === 'string') : [];
    const bad = scopes.find((s) => !SCOPE_RE.test(s));
    if (bad !== undefined) return this.error(`scopes: "${bad}" is not a scope (all, queue:<id>, channel:<id>, team:<id>, agent:<id>)`);
    const windows = Array.isArray(msg.windows) ? msg.windows : WINDOWS;
    const badW = windows.find((w) => !(WINDOWS as readonly unknown[]).includes(w));
    if (badW !== undefined) return this.error(`windows: "${String(badW)}" is not one of ${WINDOWS.join(', ')}`);
    if (msg.type === 'unsubscribe') {
      for (const s of scopes) {
        this.scopes.delete(s);
        this.kpis.unfollow(s, this.listener);
      }
      return;
    }
    // A subscribe replaces the previous one: a rotating wall re-subscribes per board.
    for (const s of this.scopes) this.kpis.unfollow(s, this.listener);
    this.scopes.clear();
    this.windows = new Set(windows as Window[]);
    this.agents = msg.agents === true;
    this.pending.clear();
    for (const s of scopes) {
      this.scopes.add(s);
      this.kpis.follow(s, this.listener);
      const snap = this.kpis.latest.get(s);
      if (snap) this.emit(snap, 'snapshot', new Set(windows as Window[]));
    }
  }

  private onSnapshot(s: ScopeSnapshot) {
    if (this.scopes.has(s.scope)) this.emit(s, 'update', this.windows);
  }

  private emit(s: ScopeSnapshot, type: 'snapshot' | 'update', windows: Set<Window>) {
    const at = () => new Date(s.at).toISOString();
    for (const w of windows)
      this.sendRaw(
        `${s.scope}|${w}`,
        encoded(s, `${type}|${w}`, () => ({ type, scope: s.scope, window: w, at: at(), metrics: s.windows[w] })),
        type === 'snapshot',
      );
    if (this.agents && s.agents)
      this.sendRaw(
        `${s.scope}|agents`,
        encoded(s, 'agents', () => ({ type: 'agents', scope: s.scope, at: at(), agents: s.agents })),
        type === 'snapshot',
      );
  }

  private onAlert(a: LiveAlert) {
    this.send(`alert|${a.id}`, { type: 'alert', alert: a });
  }

  private error(detail: string) {
    this.send(`error|${detail}`, { type: 'error', detail });
  }

  /** Sends now, or — when the socket is backed up — keeps only the latest per key. */
  private send(key: string, msg: unknown, urgent = false) {
    this.sendRaw(key, JSON.stringify(msg), urgent);
  }

  private sendRaw(key: string, data: string, urgent = false) {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (!urgent && (this.ws.bufferedAmount > HIGH_WATER || this.pending.size > 0)) {
      if (this.pending.has(key)) this.dropped++;
      this.pending.set(key, data);
      this.scheduleDrain();
      return;
    }
    this.ws.send(data);
  }

  private scheduleDrain() {
    if (this.draining) return;
    this.draining = true;
    const tryDrain = () => {
      if (this.ws.readyState !== this.ws.OPEN) return;
      if (this.ws.bufferedAmount > HIGH_WATER) {
        setTimeout(tryDrain, 50);
        return;
      }
      const items = [...this.pending.values()];
      this.pending.clear();
      this.draining = false;
      for (const d of items) this.ws.send(d);
    };
    setTimeout(tryDrain, 10);
  }

  /** bytes this client holds in the server: the socket's unsent buffer plus coalesced values */
  get bufferedBytes(): number {
    let n = this.ws.bufferedAmount;
    for (const v of this.pending.values()) n += v.length;
    return n;
  }

  close() {
    clearInterval(this.heartbeat);
    this.kpis.listeners.delete(this.listener);
    for (const s of this.scopes) this.kpis.unfollow(s, this.listener);
    this.pending.clear();
  }
}
