// Event subjects are built in one place and read back in one place: the writer, the
// engine and history take the tenant and type from a message's subject.
import { describe, expect, it } from 'vitest';
import { eventSubject, eventSubjectParts } from '../../../pipelines/bus/subjects.ts';

describe('event subjects', () => {
  it('read back the tenant and the dotted type they were built from', () => {
    expect(eventSubjectParts(eventSubject('acme', 'contact.queued'))).toEqual({ tenant: 'acme', type: 'contact.queued' });
    expect(eventSubjectParts(eventSubject('t-1', 'agent.state'))).toEqual({ tenant: 't-1', type: 'agent.state' });
    expect(eventSubjectParts('cc.events')).toEqual({ tenant: '', type: '' });
  });
});
