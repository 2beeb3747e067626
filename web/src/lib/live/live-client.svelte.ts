// The wall's one connection to /v1/live. It owns the socket, re-subscribes after every
// reconnect (the server then sends fresh snapshots), and is honest about its state: a
// watchdog drops a socket that stopped talking, and `stale` turns on 5 s after the last
// message so old numbers never pass for live ones.
import { SvelteMap } from 'svelte/reactivity';
import type { AgentRow, Alert, Metrics, Window } from '../api.ts';
import { backoffDelay, DEFAULT_BACKOFF, type Backoff } from './backoff.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface Subscription {
  scopes: string[];
  windows: Window[];
  agents: boolean;
}

export interface LiveOptions {
  url: () => string;
  /** data older than this is shown as stale */
  staleAfterMs?: number;
  /** the server sends a heartbeat every 2 s; silence this long means the socket is dead */
  silenceTimeoutMs?: number;
  backoff?: Backoff;
}

type ServerMessage =
  | { type: 'snapshot' | 'update'; scope: string; window: Window; at: string; metrics: Metrics }
  | { type: 'agents'; scope: string; at: string; agents: AgentRow[] }
  | { type: 'alert'; alert: Alert }
  | { type: 'heartbeat'; at: string; data_at?: string | null };

export const metricsKey = (scope: string, window: Window): string => `${scope}|${window}`;

const RECENT_ALERTS = 20;

export class LiveClient {
  state = $state<ConnectionState>('connecting');
  /** browser clock (epoch ms) when the newest message arrived; null before any */
  lastMessageAt = $state<number | null>(null);
  /** ticks twice a second: drives clocks, time-in-state and the stale check */
  now = $state(Date.now());
  /** when the next reconnect attempt happens, while reconnecting */
  retryAt = $state<number | null>(null);
  /** bumps on each new connection's first message, so views can re-seed history */
  epoch = $state(0);
  firing = $state<Alert[]>([]);
  recent = $state<Alert[]>([]);
  readonly metrics = new SvelteMap<string, Metrics>();
  readonly agents = new SvelteMap<string, AgentRow[]>();

  #opts: LiveOptions;
  #staleAfterMs = 5000;
  #ws: WebSocket | null = null;
  #sub: Subscription = { scopes: [], windows: [], agents: false };
  #attempt = 0;
  #gotMessageOnThisSocket = false;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #tick: ReturnType<typeof setInterval> | null = null;
  #stopped = true;
  /** last open or message on the current socket, for the watchdog */
  #lastActivity = 0;

  constructor(opts: LiveOptions) {
    this.#opts = opts;
    this.#staleAfterMs = opts.staleAfterMs ?? 5000;
  }

  /** the newest data is older than `staleAfterMs` (5 s) */
  readonly stale = $derived(this.lastMessageAt !== null && this.now - this.lastMessageAt > this.#staleAfterMs);

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#tick = setInterval(() => this.#onTick(), 500);
    addEventListener('online', this.#onOnline);
    addEventListener('offline', this.#onOffline);
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#tick) clearInterval(this.#tick);
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#tick = this.#retryTimer = null;
    removeEventListener('online', this.#onOnline);
    removeEventListener('offline', this.#onOffline);
    this.#drop();
  }

  /** Replace what the wall listens to; sent at once if connected, and after every reconnect. */
  subscribe(sub: Subscription): void {
    const same = JSON.stringify(sub) === JSON.stringify(this.#sub);
    this.#sub = sub;
    if (!same) this.#sendSubscribe();
  }

  /** Fill the ticker before the first live alert arrives. */
  seedAlerts(firing: Alert[], recent: Alert[]): void {
    const known = new Set(this.firing.map((a) => a.id));
    this.firing = [...this.firing, ...firing.filter((a) => !known.has(a.id))];
    this.recent = [...this.recent, ...recent].slice(0, RECENT_ALERTS);
  }

  get(scope: string, window: Window): Metrics | undefined {
    return this.metrics.get(metricsKey(scope, window));
  }

  #connect(): void {
    if (this.#stopped) return;
    this.retryAt = null;
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.state = 'offline';
      return; // the `online` event reconnects
    }
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.#opts.url());
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#ws = ws;
    this.#gotMessageOnThisSocket = false;
    this.#lastActivity = Date.now();
    ws.onopen = () => {
      this.#lastActivity = Date.now();
      this.#sendSubscribe();
    };
    ws.onmessage = (ev) => this.#onMessage(ev);
    ws.onclose = () => {
      if (this.#ws === ws) this.#lost();
    };
    ws.onerror = () => {
      // onclose follows and does the work
    };
  }

  #sendSubscribe(): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: 'subscribe', ...this.#sub }));
  }

  #onMessage(ev: MessageEvent): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(typeof ev.data === 'string' ? ev.data : '') as ServerMessage;
    } catch {
      return;
    }
    // Any message proves the socket is alive; only KPI data proves the numbers are fresh.
    // A heartbeat says how old the gateway's newest data is (server clock, so the age is
    // taken from the difference of its two times): a stuck engine turns the wall stale
    // even though the socket keeps talking.
    this.#lastActivity = Date.now();
    if (msg.type === 'heartbeat') {
      if (msg.data_at) {
        const age = Math.max(0, Date.parse(msg.at) - Date.parse(msg.data_at));
        if (Number.isFinite(age)) this.lastMessageAt = Date.now() - age;
      }
    } else if (msg.type !== 'alert') this.lastMessageAt = Date.now();
    if (!this.#gotMessageOnThisSocket) {
      this.#gotMessageOnThisSocket = true;
      this.#attempt = 0;
      this.epoch += 1;
    }
    this.state = 'live';
    switch (msg.type) {
      case 'snapshot':
      case 'update':
        this.metrics.set(metricsKey(msg.scope, msg.window), msg.metrics);
        break;
      case 'agents':
        this.agents.set(msg.scope, msg.agents);
        break;
      case 'alert':
        this.#onAlert(msg.alert);
        break;
      case 'heartbeat':
        break;
    }
  }

  #onAlert(alert: Alert): void {
    const others = this.firing.filter((a) => a.id !== alert.id);
    this.firing = alert.status === 'firing' ? [alert, ...others] : others;
    this.recent = [alert, ...this.recent.filter((a) => a.id !== alert.id || a.status !== alert.status)]
      .slice(0, RECENT_ALERTS);
  }

  #onTick(): void {
    this.now = Date.now();
    const ws = this.#ws;
    if (!ws) return;
    // Heartbeats come every 2 s. A socket that is open but silent (sleeping laptop, dead
    // proxy, half-open TCP) would otherwise look connected forever; a connect that hangs
    // likewise never fires onclose in time.
    const limit = ws.readyState === WebSocket.CONNECTING ? 10_000 : (this.#opts.silenceTimeoutMs ?? 6000);
    if (this.now - this.#lastActivity > limit) this.#lost();
  }

  #lost(): void {
    this.#drop();
    this.#scheduleReconnect();
  }

  #drop(): void {
    const ws = this.#ws;
    this.#ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close();
    } catch {
      // already closed
    }
  }

  #scheduleReconnect(): void {
    if (this.#stopped || this.#retryTimer) return;
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this.state = 'offline';
      return;
    }
    this.state = 'reconnecting';
    const delay = backoffDelay(this.#attempt++, this.#opts.backoff ?? DEFAULT_BACKOFF);
    this.retryAt = Date.now() + delay;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#connect();
    }, delay);
  }

  #onOnline = (): void => {
    if (this.#ws || this.#stopped) return;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#attempt = 0;
    this.#connect();
  };

  #onOffline = (): void => {
    this.#drop();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.state = 'offline';
  };
}
