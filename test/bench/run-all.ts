// npm run bench — every benchmark in turn; each prints its figures against its targets.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const benches = ['engine', 'voc', 'voc-view', 'simulator', 'asterisk', 'ingest', 'split', 'live', 'alerts', 'history', 'history-catchup', 'import', 'bus', 'store'];
const only = process.argv.slice(2);
for (const b of only.length ? only : benches) {
  console.log(`\n=== ${b} ===`);
  try {
    execFileSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, `${b}.bench.ts`)], { stdio: 'inherit' });
  } catch {
    console.log(`(${b} benchmark failed to run)`);
  }
}
