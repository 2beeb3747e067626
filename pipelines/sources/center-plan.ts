// The static shape of a simulated center: queues, channels, agents (names, teams,
// skills, shift templates), the intraday arrival profile, and the volume that keeps
// the staffed agents busy but not always overloaded. Everything derives from the seed.
import { Rng } from './prng.ts';

export type ContactChannel = 'voice' | 'chat' | 'callback';
export type TicketChannel = 'email' | 'web';

export interface QueueDef {
  id: string;
  /** Share of the center's volume this queue gets (weights sum to 1). */
  share: number;
  contactMix: { channel: ContactChannel; share: number }[];
  ticketMix: { channel: TicketChannel; share: number }[];
  /** Probability that a contact is resolved on first contact. */
  resolveRate: number;
}

export interface AgentDef {
  id: string;
  name: string;
  team: string;
  queues: string[];
  /** Local minute of day the shift starts, and its length in minutes. */
  shiftStartMin: number;
  shiftLengthMin: number;
  night: boolean;
}

export interface ArrivalProfile {
  /** Relative contact volume at each local hour 0–23 (linear in between); the peak is 1. */
  hourly: number[];
  /** Volume factor per local weekday, Sunday first. */
  dayFactors: number[];
  /** Contacts per hour, whole center, at hourly = 1 and day factor = 1. */
  peakContactsPerHour: number;
  /** Tickets per contact. */
  ticketsPerContact: number;
}

export interface CenterPlan {
  queues: QueueDef[];
  agents: AgentDef[];
  teams: string[];
  profile: ArrivalProfile;
}

/** Handle-time model per channel: lognormal talk and wrap (median s, sigma), patience mean s. */
export const CHANNEL_MODEL: Record<ContactChannel, { talkS: number; talkSigma: number; wrapS: number; patienceS: number }> = {
  voice: { talkS: 230, talkSigma: 0.55, wrapS: 35, patienceS: 150 },
  chat: { talkS: 330, talkSigma: 0.6, wrapS: 25, patienceS: 240 },
  callback: { talkS: 200, talkSigma: 0.5, wrapS: 40, patienceS: 1800 },
};
export const WRAP_SIGMA = 0.5;

// Two peaks (~10:00 and ~14:00), a lunch dip, quiet nights.
export const DEFAULT_HOURLY = [
  0.05, 0.04, 0.03, 0.03, 0.03, 0.04, 0.08, 0.25, 0.55, 0.85, 1.0, 0.9,
  0.72, 0.8, 0.95, 0.85, 0.7, 0.52, 0.34, 0.22, 0.15, 0.11, 0.08, 0.06,
];
export const DEFAULT_DAY_FACTORS = [0.35, 1.05, 1.0, 0.97, 0.95, 0.9, 0.5];

const QUEUE_NAMES = ['billing', 'support', 'sales', 'tech', 'retention', 'claims', 'orders', 'returns', 'accounts', 'onboarding', 'shipping', 'premium'];
const QUEUE_WEIGHTS = [1.0, 0.95, 0.8, 0.7, 0.4, 0.35, 0.5, 0.3, 0.3, 0.25, 0.3, 0.15];
const TEAM_NAMES = ['north', 'south', 'east', 'west', 'central', 'harbor', 'summit', 'river', 'delta', 'aurora'];
const FIRST = ['Giulia', 'Marco', 'Francesca', 'Luca', 'Chiara', 'Alessandro', 'Sara', 'Matteo', 'Elena', 'Davide',
  'Jana', 'Petr', 'Tereza', 'Jiří', 'Lucie', 'Tomáš', 'Kateřina', 'Ondřej', 'Veronika', 'Martin',
  'Emma', 'James', 'Olivia', 'Daniel', 'Sophie', 'Thomas', 'Grace', 'Oliver', 'Hannah', 'Samuel'];
const LAST = ['Rossi', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti',
  'Novák', 'Svoboda', 'Dvořák', 'Černý', 'Procházka', 'Kučera', 'Veselý', 'Horák', 'Němec', 'Král',
  'Smith', 'Jones', 'Taylor', 'Brown', 'Wilson', 'Evans', 'Walker', 'Wright', 'Hughes', 'Clarke'];

const SHIFT_MIN = 510; // 8.5 h including breaks
const NIGHT_START = 21 * 60;
const NIGHT_MIN = 600;
/** Share of a shift actually available for contacts (breaks, lunch, logins). */
export const PRESENCE = 0.88;
/** Offered load per present agent at the busiest planned hour. */
export const TARGET_OCCUPANCY = 0.85;

export interface PlanOptions {
  seed: string | number;
  agents: number;
  queues: number | string[];
  profile?: Partial<ArrivalProfile>;
}

export function planCenter(opts: PlanOptions): CenterPlan {
  const rng = new Rng(opts.seed, 'plan');
  const queues = planQueues(opts.queues, rng);
  const agents = planAgents(Math.max(1, Math.floor(opts.agents)), queues, rng);
  const teams = [...new Set(agents.map((a) => a.team))];
  const hourly = opts.profile?.hourly ?? DEFAULT_HOURLY;
  const dayFactors = opts.profile?.dayFactors ?? DEFAULT_DAY_FACTORS;
  const peak = opts.profile?.peakContactsPerHour ?? sizeVolume(agents, queues, hourly);
  return {
    queues,
    agents,
    teams,
    profile: { hourly, dayFactors, peakContactsPerHour: peak, ticketsPerContact: opts.profile?.ticketsPerContact ?? 0.3 },
  };
}

function planQueues(spec: number | string[], rng: Rng): QueueDef[] {
  const ids = Array.isArray(spec)
    ? spec
    : Array.from({ length: Math.max(1, Math.floor(spec)) }, (_, i) => QUEUE_NAMES[i] ?? `queue-${i + 1}`);
  const weights = ids.map((_, i) => (QUEUE_WEIGHTS[i] ?? 0.25) * rng.uniform(0.85, 1.15));
  const total = weights.reduce((a, b) => a + b, 0);
  return ids.map((id, i) => {
    const chat = id === 'tech' || id === 'orders' ? 0.45 : rng.uniform(0.2, 0.35);
    const callback = rng.uniform(0.05, 0.12);
    const email = rng.uniform(0.6, 0.8);
    return {
      id,
      share: weights[i] / total,
      contactMix: [
        { channel: 'voice', share: 1 - chat - callback },
        { channel: 'chat', share: chat },
        { channel: 'callback', share: callback },
      ],
      ticketMix: [
        { channel: 'email', share: email },
        { channel: 'web', share: 1 - email },
      ],
      resolveRate: id === 'tech' ? 0.62 : rng.uniform(0.7, 0.85),
    };
  });
}

function planAgents(n: number, queues: QueueDef[], rng: Rng): AgentDef[] {
  const nightCount = n >= 4 ? Math.max(1, Math.ceil(n * 0.07)) : 0;
  const dayCount = n - nightCount;
  // Primary queues by largest remainder, so skills follow the volume split.
  const quotas = queues.map((q) => q.share * dayCount);
  const counts = quotas.map(Math.floor);
  const order = quotas.map((q, i) => [q - Math.floor(q), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; counts.reduce((a, b) => a + b, 0) < dayCount; k++) counts[order[k % order.length][1]]++;
  const primaries: number[] = [];
  counts.forEach((c, qi) => {
    for (let j = 0; j < c; j++) primaries.push(qi);
  });
  const starts = staffToCurve(dayCount, DEFAULT_HOURLY);
  rng.shuffle(starts);
  const teamSize = 10;
  const agents: AgentDef[] = [];
  for (let i = 0; i < n; i++) {
    const night = i >= dayCount;
    const skills = new Set<string>();
    if (night) queues.forEach((q) => skills.add(q.id));
    else {
      skills.add(queues[primaries[i]].id);
      const extra = queues.length > 1 ? (rng.chance(0.35) ? 2 : 1) : 0;
      for (let k = 0; k < extra * 3 && skills.size < 1 + extra; k++) {
        skills.add(queues[rng.weighted(queues.map((q) => q.share))].id);
      }
    }
    const teamIdx = night ? Math.floor((dayCount - 1) / teamSize) : Math.floor(i / teamSize);
    agents.push({
      id: `a${String(i + 1).padStart(3, '0')}`,
      name: `${rng.pick(FIRST)} ${rng.pick(LAST)}`,
      team: TEAM_NAMES[teamIdx] ?? `team-${teamIdx + 1}`,
      queues: [...skills],
      shiftStartMin: night ? NIGHT_START : starts[i],
      shiftLengthMin: night ? NIGHT_MIN : SHIFT_MIN,
      night,
    });
  }
  return agents;
}

/** Relative volume at a fractional local hour. */
export function shapeAt(hourly: readonly number[], hour: number): number {
  const h = Math.floor(hour) % 24;
  const f = hour - Math.floor(hour);
  return hourly[h] + (hourly[(h + 1) % 24] - hourly[h]) * f;
}

// Greedy "staff to the curve" over half-hour slots: each shift goes where the demand per
// already-planned agent is highest, squared so the worst-covered slots weigh most.
// Demand gets a square-root margin: thin hours need relatively more agents (Erlang C).
function staffToCurve(count: number, hourly: readonly number[]): number[] {
  const candidates: number[] = [];
  for (let s = 6 * 60; s <= 14 * 60; s += 30) candidates.push(s);
  const need = (slot: number) => {
    const d = shapeAt(hourly, (slot + 0.5) / 2);
    return d + 0.3 * Math.sqrt(d);
  };
  const staff = new Array<number>(48).fill(0);
  const starts: number[] = [];
  for (let i = 0; i < count; i++) {
    let best = candidates[0];
    let bestScore = -1;
    for (const s of candidates) {
      let score = 0;
      for (let m = s; m < s + SHIFT_MIN; m += 30) {
        const slot = Math.floor(m / 30) % 48;
        score += (need(slot) / (staff[slot] + 1)) ** 2;
      }
      if (score > bestScore) [best, bestScore] = [s, score];
    }
    for (let m = best; m < best + SHIFT_MIN; m += 30) staff[Math.floor(m / 30) % 48]++;
    starts.push(best);
  }
  return starts;
}

export function meanHandleS(queues: readonly QueueDef[]): number {
  let total = 0;
  for (const q of queues) {
    for (const m of q.contactMix) {
      const c = CHANNEL_MODEL[m.channel];
      const talk = c.talkS * Math.exp((c.talkSigma * c.talkSigma) / 2);
      const wrap = c.wrapS * Math.exp((WRAP_SIGMA * WRAP_SIGMA) / 2);
      total += q.share * m.share * (talk + wrap);
    }
  }
  return total;
}

// Volume at which the tightest staffed half hour of a weekday reaches TARGET_OCCUPANCY.
// Half hours nobody covers (tiny centers) are left out: their callers simply abandon.
function sizeVolume(agents: readonly AgentDef[], queues: readonly QueueDef[], hourly: readonly number[]): number {
  const handle = meanHandleS(queues);
  let peak = Infinity;
  for (let slot = 14; slot < 42; slot++) {
    const m = slot * 30 + 15;
    let staffed = 0;
    for (const a of agents) {
      const rel = (m - a.shiftStartMin + 1440) % 1440;
      if (rel < a.shiftLengthMin) staffed++;
    }
    if (staffed === 0) continue;
    const shape = shapeAt(hourly, m / 60);
    const perHour = (TARGET_OCCUPANCY * PRESENCE * staffed * 3600) / (shape * handle);
    peak = Math.min(peak, perHour);
  }
  if (!Number.isFinite(peak)) peak = (TARGET_OCCUPANCY * PRESENCE * agents.length * 3600) / handle;
  return Math.round(peak * 10) / 10;
}
