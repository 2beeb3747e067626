// What a notification carries: the queued message (one per notification × target), the
// generic JSON webhook body, the Slack incoming-webhook body and the signature header.
import crypto from 'node:crypto';
import type { Rule, Target } from './rule-schema.ts';
import type { AlertState, NotifyKind } from './evaluator.ts';

export interface WebhookBody {
  version: 1;
  status: 'firing' | 'resolved';
  /** a reminder of an alert that is still firing (repeat_s) */
  repeat: boolean;
  tenant: string;
  alert_id: string;
  rule: {
    id: string;
    name: string;
    metric: string;
    window: string;
    op: string;
    threshold: number;
    recover_threshold: number;
    for_s: number;
    severity: string;
  };
  scope: string;
  labels: Record<string, string>;
  value: number | null;
  threshold: number;
  starts_at: string;
  ends_at: string | null;
  fingerprint: string;
  links: { wall: string; history: string };
}

/** The message on CC_ALERTS: everything the notifier needs, so it never reads rules. */
export interface AlertMessage {
  tenant: string;
  target: Target;
  kind: NotifyKind;
  /** the message id: fingerprint:seq:target-index */
  delivery_id: string;
  body: WebhookBody;
}

/** Stable per rule (tenant, rule, scope): the same alert across restarts and episodes. */
export function fingerprint(rule: Pick<Rule, 'tenant' | 'id' | 'scope'>): string {
  return crypto.createHash('sha256').update(`${rule.tenant}\n${rule.id}\n${rule.scope}`).digest('hex').slice(0, 16);
}

/** One alert episode: the rule and the moment it started firing. */
export const alertId = (ruleId: string, startsAt: number) => `${ruleId}.${startsAt}`;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function webhookBody(rule: Rule, st: AlertState, kind: NotifyKind, baseUrl: string): WebhookBody {
  const startsAt = st.starts_at ?? st.since;
  const [kindName, id] = rule.scope === 'all' ? ['all', ''] : [rule.scope.slice(0, rule.scope.indexOf(':')), rule.scope.slice(rule.scope.indexOf(':') + 1)];
  const hist = new URLSearchParams({ metrics: rule.metric, from: new Date(startsAt - 3_600_000).toISOString() });
  if (kindName !== 'all') hist.set(kindName, id);
  return {
    version: 1,
    status: kind === 'resolved' ? 'resolved' : 'firing',
    repeat: kind === 'repeat',
    tenant: rule.tenant,
    alert_id: alertId(rule.id, startsAt),
    rule: {
      id: rule.id,
      name: rule.name,
      metric: rule.metric,
      window: rule.window,
      op: rule.op,
      threshold: rule.threshold,
      recover_threshold: rule.recover_threshold,
      for_s: rule.for_s,
      severity: rule.severity,
    },
    scope: rule.scope,
    labels: rule.labels,
    value: st.value,
    threshold: rule.threshold,
    starts_at: iso(startsAt)!,
    ends_at: kind === 'resolved' ? iso(st.ends_at) : null,
    fingerprint: fingerprint(rule),
    links: {
      wall: `${baseUrl}/wall/default?scope=${encodeURIComponent(rule.scope)}`,
      history: `${baseUrl}/history?${hist}`,
    },
  };
}

const fmt = (v: number | null) => (v === null ? 'no data' : String(Math.round(v * 1000) / 1000));

/** Slack's incoming-webhook body: `text` for notifications, `blocks` for the message. */
export function slackBody(b: WebhookBody) {
  const icon = b.status === 'resolved' ? ':white_check_mark:' : b.rule.severity === 'critical' ? ':rotating_light:' : ':warning:';
  const head = `${icon} [${b.status.toUpperCase()}${b.repeat ? ', still' : ''}] ${b.rule.name}`;
  const line = `${b.rule.metric} (${b.rule.window}) on ${b.scope} is ${fmt(b.value)}; rule: ${b.rule.op} ${b.threshold}`;
  return {
    text: `${head}: ${line}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${head}*\n${line}` } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `since ${b.starts_at}${b.ends_at ? ` until ${b.ends_at}` : ''} · <${b.links.wall}|wall> · <${b.links.history}|history>`,
          },
        ],
      },
    ],
  };
}

/** `Floorwatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` */
export function signature(secret: string, body: string, unixSeconds: number): string {
  const v1 = crypto.createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}
