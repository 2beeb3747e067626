// Subject and key names in one place, so every role agrees on them.

export const EVENTS_STREAM = 'CC_EVENTS';
export const DLQ_STREAM = 'CC_DLQ';
export const ALERTS_STREAM = 'CC_ALERTS';
export const VOC_STREAM = 'CC_VOC';

/**
 * Tenant ids are restricted at key creation to [a-z0-9_-], so they are safe subject
 * tokens. Scope ids come from event data and may hold '.', '*', '>' or spaces: those are
 * percent-encoded so a scope is always exactly one subject token.
 */
export function subjectToken(s: string): string {
  return s.replace(/[^A-Za-z0-9_:\-]/g, (c) =>
    Array.from(new TextEncoder().encode(c), (b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''),
  );
}
export function fromSubjectToken(t: string): string {
  return decodeURIComponent(t);
}

export const eventSubject = (tenant: string, type: string) => `cc.events.${tenant}.${type}`;
/** The tenant and event type of an eventSubject (the type keeps its dot: `contact.queued`). */
export function eventSubjectParts(subject: string): { tenant: string; type: string } {
  const [, , tenant = '', ...type] = subject.split('.');
  return { tenant, type: type.join('.') };
}
export const dlqSubject = (tenant: string) => `cc.dlq.${tenant}`;
export const kpiSubject = (tenant: string, scope: string) => `cc.kpi.${tenant}.${subjectToken(scope)}`;
export const kpiTenantWildcard = (tenant: string) => `cc.kpi.${tenant}.>`;
export const alertSubject = (tenant: string) => `cc.alerts.${tenant}`;
export const alertLiveSubject = (tenant: string) => `cc.alert-live.${tenant}`;

/** KV keys allow [-/_=.a-zA-Z0-9]; anything else in an id is base64url-encoded behind '='. */
export function kvToken(s: string): string {
  return /^[A-Za-z0-9_-]+$/.test(s) ? s : '=' + Buffer.from(s).toString('base64url');
}
export function fromKvToken(t: string): string {
  return t.startsWith('=') ? Buffer.from(t.slice(1), 'base64url').toString() : t;
}

export const TENANT_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Stream and KV replicas when none are configured: R3 on a cluster of three or more servers, else R1. */
export const defaultReplicas = (servers: number): number => (servers >= 3 ? 3 : 1);
