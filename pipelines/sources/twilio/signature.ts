// X-Twilio-Signature, as Twilio's "Webhooks security" page defines it: take the full URL
// Twilio requested (with its query string), append each POST parameter's name and value
// sorted by name, HMAC-SHA1 it with the account's auth token and base64 the digest.
import crypto from 'node:crypto';

/** form parameters as URLSearchParams gives them (a repeated name keeps every value) */
export type FormParams = [string, string][];

export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  const sorted = [...params].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  let data = url;
  for (const [k, v] of sorted) data += k + v;
  return crypto.createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** Constant-time check of a received signature against the expected one. */
export function validTwilioSignature(authToken: string, url: string, params: FormParams, received: string | undefined): boolean {
  if (!received) return false;
  const want = Buffer.from(twilioSignature(authToken, url, params));
  const got = Buffer.from(received);
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}
