// A role thread hands an insert body to the main thread without copying it when the body
// is a whole buffer; a view into a larger buffer is copied, so the rest stays usable.
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { insertTransfer } from '../../../server/threads/protocol.ts';

function send(body: Uint8Array): Uint8Array {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(body, insertTransfer(body));
  const got = receiveMessageOnPort(port2)!.message as Uint8Array;
  port1.close();
  return got;
}

describe('insert bodies crossing to the main thread', () => {
  it('moves a body that owns its buffer', () => {
    const body = new TextEncoder().encode('{"m":[]}\n');
    expect(new TextDecoder().decode(send(body))).toBe('{"m":[]}\n');
    expect(body.byteLength).toBe(0); // detached: moved, not copied
  });

  it('copies a view into a larger buffer and leaves that buffer whole', () => {
    const whole = new TextEncoder().encode('xx{"m":[]}\nyy');
    const view = whole.subarray(2, 11);
    expect(new TextDecoder().decode(send(view))).toBe('{"m":[]}\n');
    expect(new TextDecoder().decode(whole)).toBe('xx{"m":[]}\nyy');
  });
});
