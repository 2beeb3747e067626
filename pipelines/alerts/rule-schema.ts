// The alert rule as the API takes it (fixed names of api.md) and as it is stored in the
// KV bucket `fw_alert_rules`. One TypeBox schema validates the route, types the code and
// documents the OpenAPI page.
import { Type, type Static } from '@sinclair/typebox';
import { NUMERIC_METRICS, WINDOWS } from '../engine/types.ts';

export const RULES_BUCKET = 'fw_alert_rules';
export const STATE_BUCKET = 'fw_alert_state';
export const SILENCES_BUCKET = 'fw_alert_silences';
export const ACKS_BUCKET = 'fw_alert_acks';

export const OPS = ['>', '>=', '<', '<='] as const;
export type Op = (typeof OPS)[number];
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const lits = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));

export const TargetBody = Type.Object(
  {
    type: lits(['webhook', 'slack'] as const),
    url: Type.String({ minLength: 8, maxLength: 2048, pattern: '^[hH][tT][tT][pP][sS]?://' }),
    /** HMAC key of Floorwatch-Signature; on PUT an omitted secret keeps the stored one of the same URL */
    secret: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);

export const RuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    metric: lits(NUMERIC_METRICS),
    scope: Type.String({ minLength: 3, maxLength: 300, pattern: '^(all|(queue|channel|team|agent):.+)$' }),
    window: lits(WINDOWS),
    op: lits(OPS),
    threshold: Type.Number(),
    /** seconds the condition must hold before firing (pending period) */
    for_s: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400, default: 0 })),
    /** hysteresis: a firing alert recovers only once the value is past this (default: threshold) */
    recover_threshold: Type.Optional(Type.Number()),
    /** seconds an alert keeps firing after it recovered, so a brief dip does not resolve it */
    keep_firing_for_s: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400, default: 0 })),
    severity: Type.Optional(lits(SEVERITIES)),
    labels: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }), Type.String({ maxLength: 256 }), {
        maxProperties: 32,
      }),
    ),
    /** seconds between repeated notifications of a still-firing alert; 0 = never repeat */
    repeat_s: Type.Optional(Type.Number({ minimum: 0, maximum: 604_800, default: 0 })),
    targets: Type.Optional(Type.Array(TargetBody, { maxItems: 10, default: [] })),
    /** when the KPI is null: keep the current state, or treat it as a breach (fire after for_s) */
    no_data: Type.Optional(lits(['keep', 'fire'] as const)),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RuleInput = Static<typeof RuleBody>;

export interface Target {
  type: 'webhook' | 'slack';
  url: string;
  secret: string | null;
}

/** A stored rule: every optional field filled in. */
export interface Rule {
  id: string;
  tenant: string;
  name: string;
  metric: (typeof NUMERIC_METRICS)[number];
  scope: string;
  window: (typeof WINDOWS)[number];
  op: Op;
  threshold: number;
  for_s: number;
  recover_threshold: number;
  keep_firing_for_s: number;
  severity: Severity;
  labels: Record<string, string>;
  repeat_s: number;
  targets: Target[];
  no_data: 'keep' | 'fire';
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface FieldError {
  field: string;
  reason: string;
}

/** Checks TypeBox cannot express: the hysteresis band must lie on the recovering side. */
export function ruleProblems(r: RuleInput): FieldError[] {
  const out: FieldError[] = [];
  if (!Number.isFinite(r.threshold)) out.push({ field: 'threshold', reason: 'must be a finite number' });
  if (r.recover_threshold !== undefined) {
    const above = r.op === '>' || r.op === '>=';
    if (above && r.recover_threshold > r.threshold)
      out.push({ field: 'recover_threshold', reason: `with op "${r.op}" it must be ≤ threshold (${r.threshold})` });
    if (!above && r.recover_threshold < r.threshold)
      out.push({ field: 'recover_threshold', reason: `with op "${r.op}" it must be ≥ threshold (${r.threshold})` });
  }
  return out;
}

export function toRule(id: string, tenant: string, b: RuleInput, prev?: Rule): Rule {
  const now = new Date().toISOString();
  return {
    id,
    tenant,
    name: b.name,
    metric: b.metric,
    scope: b.scope,
    window: b.window,
    op: b.op,
    threshold: b.threshold,
    for_s: b.for_s ?? 0,
    recover_threshold: b.recover_threshold ?? b.threshold,
    keep_firing_for_s: b.keep_firing_for_s ?? 0,
    severity: b.severity ?? 'warning',
    labels: b.labels ?? {},
    repeat_s: b.repeat_s ?? 0,
    targets: (b.targets ?? []).map((t) => ({
      type: t.type,
      url: t.url,
      // An editor that never saw the secret sends the target back without it: keep it.
      secret: t.secret ?? prev?.targets.find((p) => p.url === t.url && p.type === t.type)?.secret ?? null,
    })),
    no_data: b.no_data ?? 'keep',
    enabled: b.enabled ?? true,
    created_at: prev?.created_at ?? now,
    updated_at: now,
  };
}

/** What GET returns: secrets never leave the server. */
export function publicRule(r: Rule) {
  return { ...r, targets: r.targets.map((t) => ({ type: t.type, url: t.url, has_secret: !!t.secret })) };
}

export const ruleKey = (tenant: string, id: string) => `${tenant}.${id}`;
