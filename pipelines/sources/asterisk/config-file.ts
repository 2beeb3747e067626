// The --config file: what queue_log does not say. Teams and display names of members,
// wrap-up times (Asterisk's member `wrapuptime`, else the queue's `wrapuptime` in
// queues.conf), and the custom call-outcome event that tells whether a call was resolved.
//
// {
//   "agents":   { "PJSIP/1001": { "team": "north", "name": "Anna", "wrapup_s": 60 } },
//   "queues":   { "billing": { "wrapup_s": 30 } },
//   "outcomes": { "event": "CALLSTATUS", "resolved": ["SOLVED"], "unresolved": ["CALLBACK"] }
// }
import fs from 'node:fs';
import type { AgentInfo } from './agent-board.ts';
import type { MapperConfig } from './mapper.ts';

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function str(where: string, v: unknown, max: number): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length < 1 || v.length > max) throw new Error(`${where} must be a string of 1-${max} characters`);
  return v;
}

function secs(where: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 86_400) throw new Error(`${where} must be a number of seconds from 0 to 86400`);
  return v;
}

function codes(where: string, v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((c) => typeof c !== 'string')) throw new Error(`${where} must be an array of strings`);
  return v as string[];
}

/** Parses and checks a config object; errors name the offending key. */
export function parseConfig(raw: unknown, name = 'config'): MapperConfig {
  if (!isObj(raw)) throw new Error(`${name}: must be a JSON object`);
  for (const k of Object.keys(raw)) if (!['agents', 'queues', 'outcomes'].includes(k)) throw new Error(`${name}: unknown key "${k}" (agents, queues, outcomes)`);
  const cfg: MapperConfig = {};
  if (raw.agents !== undefined) {
    if (!isObj(raw.agents)) throw new Error(`${name}: agents must be an object keyed by the queue_log agent field`);
    const agents: Record<string, AgentInfo> = {};
    for (const [id, a] of Object.entries(raw.agents)) {
      const at = `${name}: agents["${id}"]`;
      if (!isObj(a)) throw new Error(`${at} must be an object`);
      for (const k of Object.keys(a)) if (!['team', 'name', 'wrapup_s'].includes(k)) throw new Error(`${at}: unknown key "${k}" (team, name, wrapup_s)`);
      agents[id] = { team: str(`${at}.team`, a.team, 128), name: str(`${at}.name`, a.name, 128), wrapup_s: secs(`${at}.wrapup_s`, a.wrapup_s) };
    }
    cfg.agents = agents;
  }
  if (raw.queues !== undefined) {
    if (!isObj(raw.queues)) throw new Error(`${name}: queues must be an object keyed by queue name`);
    const queues: Record<string, { wrapup_s?: number }> = {};
    for (const [id, q] of Object.entries(raw.queues)) {
      const at = `${name}: queues["${id}"]`;
      if (!isObj(q)) throw new Error(`${at} must be an object`);
      for (const k of Object.keys(q)) if (k !== 'wrapup_s') throw new Error(`${at}: unknown key "${k}" (wrapup_s)`);
      queues[id] = { wrapup_s: secs(`${at}.wrapup_s`, q.wrapup_s) };
    }
    cfg.queues = queues;
  }
  if (raw.outcomes !== undefined) {
    const o = raw.outcomes;
    if (!isObj(o)) throw new Error(`${name}: outcomes must be an object`);
    for (const k of Object.keys(o)) if (!['event', 'resolved', 'unresolved'].includes(k)) throw new Error(`${name}: outcomes: unknown key "${k}" (event, resolved, unresolved)`);
    const event = str(`${name}: outcomes.event`, o.event, 64);
    if (event !== undefined && !/^[A-Z0-9_]+$/.test(event)) throw new Error(`${name}: outcomes.event must be upper-case letters, digits or _`);
    cfg.outcomes = { event, resolved: codes(`${name}: outcomes.resolved`, o.resolved), unresolved: codes(`${name}: outcomes.unresolved`, o.unresolved) };
  }
  return cfg;
}

export function loadConfig(file: string): MapperConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--config ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`--config ${file}: not JSON (${(err as Error).message})`);
  }
  return parseConfig(raw, file);
}
