// A platform's "resolved on first contact" field, as the adapters read it from a contact
// attribute (Amazon Connect) or a task attribute (Twilio TaskRouter).

/** true / false from a boolean or a string (true, yes, resolved / false, no, unresolved); else undefined */
export function resolvedOf(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === 'yes' || s === 'resolved') return true;
  if (s === 'false' || s === 'no' || s === 'unresolved') return false;
  return undefined;
}
