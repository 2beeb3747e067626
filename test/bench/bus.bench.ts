// What the bus costs per event, on its own: a private nats-server (file store, as
// Floorwatch runs it) takes the ingest bench's chunks (requests of 500 events, one
// message per event type, as server/ingest/publish.ts makes them) and delivers them to
// the consumers Floorwatch has: durable pull consumers with an ack per message (writer,
// history) and ordered consumers without acks (engine, checkpointer). Prints nats-server's
// CPU per event for each fan-out, and the publisher's (ack waits included), so the cost of
// one more consumer of CC_EVENTS can be read off. Issue 20's budget is 8 µs for all of
// Floorwatch; never fails the build.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { DeliverPolicy } from '@nats-io/jetstream';
import { startNatsServer } from '../../pipelines/bus/nats-server.ts';
import { Bus, type BusMessage } from '../../pipelines/bus/bus.ts';
import { durableConsumer } from '../../pipelines/bus/durable.ts';
import { EVENTS_STREAM } from '../../pipelines/bus/subjects.ts';
import { BATCH, line, requestMessages, threadCpu } from './bench-util.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2_000);
const IN_FLIGHT = 16;
const REPEATS = Number(process.env.BENCH_RUNS ?? 3);
const FANOUTS: [string, number, number][] = [
  ['stored, no consumer', 0, 0],
  ['+ writer (durable, acked)', 1, 0],
  ['+ history (durable, acked)', 2, 0],
  ['+ live engine (ordered)', 2, 1],
  ['+ checkpointer (ordered): as now', 2, 2],
];

/** CPU seconds of a process, all its threads */
const processCpu = (pid: number): number => [...threadCpu(pid).values()].reduce((a, b) => a + b, 0);

async function once(chunks: BusMessage[][], durables: number, ordered: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fw-bench-bus-'));
  const nats = await startNatsServer({ storeDir: dir });
  const pid = Number(fs.readFileSync(path.join(dir, 'floorwatch-nats.pid'), 'utf8'));
  const bus = await Bus.connect(nats.url, pino({ level: 'silent' }));
  const messages = chunks.reduce((n, c) => n + c.length, 0);
  const readers: Promise<void>[] = [];
  try {
    const read = async (iter: AsyncIterable<{ ack(): void }>, ack: boolean) => {
      let n = 0;
      for await (const m of iter) {
        if (ack) m.ack();
        if (++n === messages) break;
      }
    };
    for (let i = 0; i < durables; i++) {
      const c = await durableConsumer(bus, { stream: EVENTS_STREAM, durable: `bench${i}`, filterSubject: 'cc.events.>', ackWaitMs: 60_000, maxAckPending: 10_000 });
      readers.push(read(await c.consume({ max_messages: 256 }), true));
    }
    for (let i = 0; i < ordered; i++) {
      const c = await bus.js.consumers.get(EVENTS_STREAM, { deliver_policy: DeliverPolicy.All });
      readers.push(read(await c.consume({ max_messages: 512 }), false));
    }
    await new Promise((r) => setTimeout(r, 500));
    const server0 = processCpu(pid);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    for (let r = 0; r < chunks.length; r += IN_FLIGHT) await Promise.all(chunks.slice(r, r + IN_FLIGHT).map((m) => bus.publishAll(m)));
    await Promise.all(readers);
    const seconds = (performance.now() - t0) / 1000;
    const client = process.cpuUsage(client0);
    return { server: processCpu(pid) - server0, client: (client.user + client.system) / 1e6, seconds };
  } finally {
    await bus.close();
    await nats.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const now = Date.now();
const chunks = Array.from({ length: REQUESTS }, (_, r) => requestMessages('b', r, 'bench', now));
const events = REQUESTS * BATCH;
const perMessage = events / chunks.reduce((n, c) => n + c.length, 0);
console.log(`bus benchmark: ${events.toLocaleString('en')} events in ${REQUESTS.toLocaleString('en')} requests (${perMessage} events, ~${Math.round(chunks[0][0].data.length / 1024)} KiB a message), ${IN_FLIGHT} requests in flight`);
console.log(`nats-server CPU per event (the lowest of ${REPEATS} runs each), and the publisher's; a consumer's client side runs in its role thread and is not counted here`);
let before = 0;
for (const [label, durables, ordered] of FANOUTS) {
  // the lower of REPEATS runs: a neighbour's load only ever adds
  const runs = [];
  for (let k = 0; k < REPEATS; k++) runs.push(await once(chunks, durables, ordered));
  const r = runs.reduce((a, b) => (b.server < a.server ? b : a));
  const us = (r.server / events) * 1e6;
  line(label, `${us.toFixed(2)} µs/ev`);
  if (durables + ordered > 0) line('    this consumer adds', `${(us - before).toFixed(2)} µs/ev`);
  else line('    publisher (toMessages excluded)', `${((r.client / events) * 1e6).toFixed(2)} µs/ev`);
  before = us;
}
process.exit(0);
