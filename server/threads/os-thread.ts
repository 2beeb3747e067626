// Linux per-thread niceties for role threads: a name that `top -H` and `ps -L` show, and
// a lower scheduling priority for work that may lag (setpriority on a thread id applies
// to that thread only). Both are best effort: elsewhere they do nothing.
import { readlinkSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Names the calling thread (15 characters at most, the kernel's limit). */
export function nameThisThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    /* not Linux */
  }
}

/** Lowers the calling thread's priority to `nice` (0–19); false where it cannot. */
export function niceThisThread(nice: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
