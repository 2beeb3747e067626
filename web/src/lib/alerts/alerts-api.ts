// Client of /v1/alerts: rules, firing alerts and recent transitions, silences, acks. Same
// auth as $lib/api (session cookie, or the `?key=` bearer) and the same problem+json
// errors (ApiError), so errorText() renders them, field by field.
import { request, type Alert } from '$lib/api';

export const OPS = ['>', '>=', '<', '<='] as const;
export const SEVERITIES = ['info', 'warning', 'critical'] as const;

export interface RuleTarget {
  type: 'webhook' | 'slack';
  url: string;
  /** only sent; the API answers has_secret instead */
  secret?: string;
  has_secret?: boolean;
}

export interface RuleDraft {
  name: string;
  metric: string;
  scope: string;
  window: '15m' | '1h' | 'today';
  op: (typeof OPS)[number];
  threshold: number;
  for_s: number;
  recover_threshold?: number;
  keep_firing_for_s: number;
  severity: (typeof SEVERITIES)[number];
  labels: Record<string, string>;
  repeat_s: number;
  targets: RuleTarget[];
  no_data: 'keep' | 'fire';
  enabled: boolean;
}

export interface Rule extends RuleDraft {
  id: string;
  recover_threshold: number;
  created_at: string;
  updated_at: string;
}

export interface FiringAlert extends Alert {
  state: 'firing' | 'recovering';
  acked: boolean;
  silenced: boolean;
}

export interface Transition extends Alert {
  at: string;
  from: string;
  to: string;
  notification: 'firing' | 'repeat' | 'resolved' | null;
  silenced: boolean;
}

export interface Silence {
  id: string;
  rule_id: string | null;
  scope: string | null;
  starts_at: string;
  ends_at: string;
  comment: string;
  active: boolean;
}


const enc = encodeURIComponent;

export const alertsApi = {
  overview: () => request<{ firing: FiringAlert[]; recent: Transition[] }>('GET', '/v1/alerts?limit=200'),
  rules: () => request<{ items: Rule[] }>('GET', '/v1/alerts/rules').then((r) => r.items),
  createRule: (r: RuleDraft) => request<Rule>('POST', '/v1/alerts/rules', r),
  updateRule: (id: string, r: RuleDraft) => request<Rule>('PUT', `/v1/alerts/rules/${enc(id)}`, r),
  deleteRule: (id: string) => request<void>('DELETE', `/v1/alerts/rules/${enc(id)}`),
  ack: (alertId: string) => request<unknown>('POST', `/v1/alerts/${enc(alertId)}/ack`, {}),
  silences: () => request<{ items: Silence[] }>('GET', '/v1/alerts/silences').then((r) => r.items),
  silence: (s: { rule_id?: string; scope?: string; duration_s: number; comment?: string }) =>
    request<Silence>('POST', '/v1/alerts/silences', s),
  unsilence: (id: string) => request<void>('DELETE', `/v1/alerts/silences/${enc(id)}`),
};

export function emptyDraft(): RuleDraft {
  return {
    name: '', metric: 'service_level', scope: 'all', window: '15m', op: '<', threshold: 0.8, for_s: 60,
    recover_threshold: undefined, keep_firing_for_s: 0, severity: 'warning', labels: {}, repeat_s: 0,
    targets: [], no_data: 'keep', enabled: true,
  };
}

/** A stored rule as an editable draft: secrets are never shown, so targets keep theirs on save. */
export function toDraft(r: Rule): RuleDraft {
  const { id: _id, created_at: _c, updated_at: _u, ...d } = r;
  return { ...d, targets: r.targets.map((t) => ({ type: t.type, url: t.url })) };
}

/** the draft as the API takes it: no has_secret, no empty secret, no unset recovery */
export function toBody(d: RuleDraft): RuleDraft {
  const body: RuleDraft = {
    ...d,
    targets: d.targets.map((t) => ({ type: t.type, url: t.url, ...(t.secret ? { secret: t.secret } : {}) })),
  };
  if (body.recover_threshold === undefined || body.recover_threshold === null || Number.isNaN(body.recover_threshold))
    delete body.recover_threshold;
  return body;
}
