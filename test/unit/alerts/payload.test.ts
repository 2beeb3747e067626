// Notification bodies and the signature header.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint, signature, slackBody, webhookBody } from '../../../pipelines/alerts/payload.ts';
import { toRule } from '../../../pipelines/alerts/rule-schema.ts';
import { evaluate } from '../../../pipelines/alerts/evaluator.ts';
import { backoffMs } from '../../../pipelines/alerts/notifier.ts';

const rule = toRule('r1', 't1', {
  name: 'Billing SL low', metric: 'service_level', scope: 'queue:billing', window: '15m', op: '<', threshold: 0.8,
  recover_threshold: 0.85, severity: 'critical', labels: { team: 'north' },
});

describe('payloads', () => {
  const fired = evaluate(rule, undefined, 0.5, Date.parse('2026-01-01T10:00:00Z')).state;
  it('builds the generic webhook body with every field the issue names', () => {
    const b = webhookBody(rule, fired, 'firing', 'https://fw.example');
    expect(b).toMatchObject({
      status: 'firing', repeat: false, scope: 'queue:billing', labels: { team: 'north' }, value: 0.5, threshold: 0.8,
      starts_at: '2026-01-01T10:00:00.000Z', ends_at: null, fingerprint: fingerprint(rule),
      rule: { id: 'r1', name: 'Billing SL low', metric: 'service_level', severity: 'critical' },
    });
    expect(b.links.wall).toBe('https://fw.example/wall/default?scope=queue%3Abilling');
    expect(b.links.history).toContain('queue=billing');
    const resolved = evaluate(rule, fired, 0.9, Date.parse('2026-01-01T10:05:00Z')).state;
    expect(webhookBody(rule, resolved, 'resolved', '').ends_at).toBe('2026-01-01T10:05:00.000Z');
  });
  it('builds a Slack body with text and blocks', () => {
    const s = slackBody(webhookBody(rule, fired, 'firing', ''));
    expect(s.text).toContain('Billing SL low');
    expect(s.blocks[0].type).toBe('section');
  });
  it('signs t.body with HMAC-SHA256', () => {
    const sig = signature('k', '{"a":1}', 1700000000);
    const expected = crypto.createHmac('sha256', 'k').update('1700000000.{"a":1}').digest('hex');
    expect(sig).toBe(`t=1700000000,v1=${expected}`);
  });
  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});
