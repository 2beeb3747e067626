// X-Twilio-Signature against the example of Twilio's "Webhooks security" docs
// (TwilioDevEd/api-snippets security/signature_validation), and the constant-time check.
import { describe, expect, it } from 'vitest';
import { twilioSignature, validTwilioSignature } from '../../../pipelines/sources/twilio/signature.ts';

const TOKEN = '12345';
const URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS: [string, string][] = [
  ['CallSid', 'CA1234567890ABCDE'],
  ['Caller', '+14158675309'],
  ['Digits', '1234'],
  ['From', '+14158675309'],
  ['To', '+18005551212'],
];
const DOCUMENTED = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

describe('twilioSignature', () => {
  it("gives the signature of Twilio's documented example", () => {
    expect(twilioSignature(TOKEN, URL, PARAMS)).toBe(DOCUMENTED);
  });

  it('sorts the parameters by name, whatever order the form had', () => {
    expect(twilioSignature(TOKEN, URL, [...PARAMS].reverse())).toBe(DOCUMENTED);
  });

  it('changes with the token, the URL and any value', () => {
    expect(twilioSignature('54321', URL, PARAMS)).not.toBe(DOCUMENTED);
    expect(twilioSignature(TOKEN, URL.replace('foo=1', 'foo=2'), PARAMS)).not.toBe(DOCUMENTED);
    const changed = PARAMS.map(([k, v]): [string, string] => [k, k === 'Digits' ? '1235' : v]);
    expect(twilioSignature(TOKEN, URL, changed)).not.toBe(DOCUMENTED);
  });
});

describe('validTwilioSignature', () => {
  it('accepts the right signature and refuses a missing, wrong or truncated one', () => {
    expect(validTwilioSignature(TOKEN, URL, PARAMS, DOCUMENTED)).toBe(true);
    expect(validTwilioSignature(TOKEN, URL, PARAMS, undefined)).toBe(false);
    expect(validTwilioSignature(TOKEN, URL, PARAMS, '')).toBe(false);
    expect(validTwilioSignature(TOKEN, URL, PARAMS, DOCUMENTED.slice(0, -2))).toBe(false);
    expect(validTwilioSignature(TOKEN, URL, PARAMS, 'SSOYDt4T1cUTdK1PDd93/VVr8B8=')).toBe(false);
  });
});
