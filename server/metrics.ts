// A small Prometheus text registry: counters, gauges and histograms with labels. Enough
// for /metrics without another dependency; every role registers what it measures.

type Labels = Record<string, string>;
const key = (l: Labels) =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}="${String(l[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  abstract render(): string;
}

export class Counter extends Metric {
  private values = new Map<string, number>();
  inc(labels: Labels = {}, by = 1) {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}) {
    return this.values.get(key(labels)) ?? 0;
  }
  render() {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

export class Gauge extends Metric {
  private values = new Map<string, number | (() => number)>();
  set(v: number | (() => number), labels: Labels = {}) {
    this.values.set(key(labels), v);
  }
  render() {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${typeof v === 'function' ? v() : v}`);
    return lines.join('\n');
  }
}

export class Histogram extends Metric {
  private series = new Map<string, { counts: number[]; sum: number; n: number }>();
  constructor(name: string, help: string, readonly buckets: number[]) {
    super(name, help);
  }
  observe(v: number, labels: Labels = {}) {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, n: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) s.counts[i]++;
    s.sum += v;
    s.n++;
  }
  render() {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const pre = k ? `${k},` : '';
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${pre}le="${b}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${pre}le="+Inf"} ${s.n}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.n}`);
    }
    return lines.join('\n');
  }
}

export class Registry {
  private metrics = new Map<string, Metric>();
  private add<M extends Metric>(m: M): M {
    const existing = this.metrics.get(m.name);
    if (existing) return existing as M;
    this.metrics.set(m.name, m);
    return m;
  }
  counter(name: string, help: string) {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string) {
    return this.add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets: number[]) {
    return this.add(new Histogram(name, help, buckets));
  }
  render(): string {
    return [...this.metrics.values()].map((m) => m.render()).join('\n') + '\n';
  }

  private sources = new Set<() => Promise<string>>();
  /** adds the text of another registry (a role thread's); returns its removal */
  addSource(fn: () => Promise<string>): () => void {
    this.sources.add(fn);
    return () => this.sources.delete(fn);
  }

  /** this registry and every source, as one Prometheus text */
  async renderAll(): Promise<string> {
    const parts = await Promise.all([...this.sources].map((f) => f().catch(() => '')));
    return this.render() + parts.filter(Boolean).join('');
  }
}

export const MS_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
