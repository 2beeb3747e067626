// Silences (by rule, by scope, or both, for a duration) and acknowledgements, kept in
// NATS KV so the API node that takes them and the node that evaluates agree.
export interface Silence {
  id: string;
  tenant: string;
  rule_id: string | null;
  scope: string | null;
  /** epoch ms */
  starts_at: number;
  ends_at: number;
  comment: string;
  created_by: string | null;
}

export interface Ack {
  alert_id: string;
  rule_id: string;
  /** epoch ms the acknowledged episode started firing */
  starts_at: number;
  at: number;
  by: string | null;
}

export function silenceMatches(s: Silence, rule: { id: string; scope: string }, now: number): boolean {
  if (now < s.starts_at || now >= s.ends_at) return false;
  if (s.rule_id !== null && s.rule_id !== rule.id) return false;
  if (s.scope !== null && s.scope !== rule.scope) return false;
  return true;
}
