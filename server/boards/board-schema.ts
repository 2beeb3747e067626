// The board document stored through /v1/boards: what a wall shows and where. One schema
// validates PUTs on the server, types the web app, and generates the OpenAPI page.
import { Type, type Static } from '@sinclair/typebox';
import { NUMERIC_METRICS, WINDOWS, type ScopeInfo } from '../../pipelines/engine/types.ts';

/** Agent counts are one object in Metrics; tiles and table columns address a state by path. */
export const AGENT_STATE_METRICS = [
  'agents.available', 'agents.busy', 'agents.wrap_up', 'agents.away', 'agents.offline',
] as const;
/**
 * `staffing` (queue scopes): agents on the queue (available + busy + wrap-up) minus the
 * Erlang C `agents_required`, read from the live metrics; the wall shows it as "short N".
 */
export const STAFFING_METRIC = 'staffing';
export const TILE_METRICS = [...NUMERIC_METRICS, ...AGENT_STATE_METRICS, STAFFING_METRIC] as const;
export type TileMetric = (typeof TILE_METRICS)[number];

export const TileMetricSchema = Type.Union(TILE_METRICS.map((m) => Type.Literal(m)));
export const WindowSchema = Type.Union(WINDOWS.map((w) => Type.Literal(w)));
export const ScopeSchema = Type.String({
  pattern: '^(all|(queue|channel|team|agent):[^\\s]{1,128})$',
  description: '`all`, `queue:<id>`, `channel:<id>`, `team:<id>` or `agent:<id>`',
});

export const ThresholdsSchema = Type.Object(
  {
    direction: Type.Union([Type.Literal('above_is_bad'), Type.Literal('below_is_bad')]),
    /** in the metric's own unit: ratios as 0–1, durations in seconds */
    amber: Type.Number(),
    red: Type.Number(),
  },
  { additionalProperties: false },
);
export type Thresholds = Static<typeof ThresholdsSchema>;

const GridSpan = Type.Integer({ minimum: 1, maximum: 48 });
/** Grid cell: `w`×`h` cells; `x`/`y` (1-based column/row) pin it, else it flows in order. */
const placement = {
  id: Type.String({ minLength: 1, maxLength: 64 }),
  x: Type.Optional(GridSpan),
  y: Type.Optional(GridSpan),
  w: GridSpan,
  h: GridSpan,
  label: Type.Optional(Type.String({ maxLength: 60 })),
};

export const TileWidgetSchema = Type.Object(
  {
    kind: Type.Literal('tile'),
    ...placement,
    metric: TileMetricSchema,
    scope: ScopeSchema,
    window: WindowSchema,
    thresholds: Type.Optional(ThresholdsSchema),
  },
  { additionalProperties: false },
);
export const AgentsWidgetSchema = Type.Object(
  { kind: Type.Literal('agents'), ...placement, scope: ScopeSchema },
  { additionalProperties: false },
);
export const QueuesWidgetSchema = Type.Object(
  {
    kind: Type.Literal('queues'),
    ...placement,
    window: WindowSchema,
    metrics: Type.Array(TileMetricSchema, { minItems: 1, maxItems: 8 }),
  },
  { additionalProperties: false },
);
export const AlertsWidgetSchema = Type.Object(
  { kind: Type.Literal('alerts'), ...placement },
  { additionalProperties: false },
);
export const ClockWidgetSchema = Type.Object(
  { kind: Type.Literal('clock'), ...placement },
  { additionalProperties: false },
);

export const WidgetSchema = Type.Union([
  TileWidgetSchema, AgentsWidgetSchema, QueuesWidgetSchema, AlertsWidgetSchema, ClockWidgetSchema,
]);
export type Widget = Static<typeof WidgetSchema>;
export type TileWidget = Static<typeof TileWidgetSchema>;
export type AgentsWidget = Static<typeof AgentsWidgetSchema>;
export type QueuesWidget = Static<typeof QueuesWidgetSchema>;
export type WidgetKind = Widget['kind'];

export const BoardSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
    name: Type.String({ minLength: 1, maxLength: 80 }),
    /** the wall is a fixed grid filling the screen, so sizes hold at 1080p and 4K alike */
    columns: Type.Integer({ minimum: 1, maximum: 48 }),
    rows: Type.Integer({ minimum: 1, maximum: 48 }),
    /** seconds this board stays up when the wall rotates (`?rotate=`); overrides the URL */
    rotate_s: Type.Optional(Type.Integer({ minimum: 5, maximum: 3600 })),
    widgets: Type.Array(WidgetSchema, { maxItems: 64 }),
  },
  { additionalProperties: false, $id: 'Board' },
);
export type Board = Static<typeof BoardSchema>;

/**
 * Rules JSON Schema cannot say: unique widget ids, pinned widgets inside the grid,
 * thresholds in the order their direction implies. Returns messages; empty = valid.
 */
export function checkBoard(board: Board): string[] {
  const errors: string[] = [];
  const ids = new Set<string>();
  board.widgets.forEach((w, i) => {
    const at = `/widgets/${i}`;
    if (ids.has(w.id)) errors.push(`${at}/id: duplicate widget id "${w.id}"`);
    ids.add(w.id);
    if (w.w > board.columns) errors.push(`${at}/w: wider than the board's ${board.columns} columns`);
    if (w.x !== undefined && w.x + w.w - 1 > board.columns) {
      errors.push(`${at}/x: ends past column ${board.columns}`);
    }
    if (w.y !== undefined && w.y + w.h - 1 > board.rows) errors.push(`${at}/y: ends past row ${board.rows}`);
    if (w.kind === 'tile' && w.thresholds) {
      const { direction, amber, red } = w.thresholds;
      if (direction === 'above_is_bad' && red < amber) {
        errors.push(`${at}/thresholds: with above_is_bad, red must be ≥ amber`);
      }
      if (direction === 'below_is_bad' && red > amber) {
        errors.push(`${at}/thresholds: with below_is_bad, red must be ≤ amber`);
      }
    }
  });
  return errors;
}

const tile = (
  id: string, metric: TileMetric, window: TileWidget['window'], thresholds?: Thresholds, label?: string,
): TileWidget => ({
  kind: 'tile', id, w: 2, h: 2, metric, scope: 'all', window,
  ...(label ? { label } : {}), ...(thresholds ? { thresholds } : {}),
});

/**
 * The board every tenant starts with (`default`), on a 12×9 grid: the headline numbers of
 * the whole centre in two rows of tiles, the queue table and the agent board below, the
 * alert ticker along the bottom. The queue table lists the queues that exist at run time
 * and the agent board all agents, so the layout needs no per-queue widgets; `scopes` only
 * decides whether a single-queue centre gets that queue's name on the table.
 */
export function defaultBoard(scopes: ScopeInfo[]): Board {
  const queues = scopes.filter((s) => s.kind === 'queue');
  const only = queues.length === 1 ? queues[0] : undefined;
  const below = (amber: number, red: number): Thresholds => ({ direction: 'below_is_bad', amber, red });
  const above = (amber: number, red: number): Thresholds => ({ direction: 'above_is_bad', amber, red });
  const widgets: Widget[] = [
    tile('waiting', 'waiting', '15m', above(5, 10), 'Waiting'),
    tile('longest-wait', 'longest_wait_s', '15m', above(60, 120), 'Longest wait'),
    tile('service-level', 'service_level', '15m', below(0.8, 0.7), 'Service level 15m'),
    tile('abandon-rate', 'abandon_rate', '15m', above(0.05, 0.1), 'Abandon rate 15m'),
    tile('asa', 'asa_s', '15m', above(20, 40), 'ASA 15m'),
    tile('agents-available', 'agents.available', '15m', below(2, 0), 'Agents available'),
    tile('csat', 'csat', 'today', below(0.8, 0.7), 'CSAT today'),
    tile('backlog', 'backlog', '15m', above(50, 100), 'Backlog'),
    tile('agents-busy', 'agents.busy', '15m', undefined, 'Agents busy'),
    { kind: 'clock', id: 'clock', w: 6, h: 2 },
    {
      kind: 'queues', id: 'queues', w: 6, h: 4, window: '15m',
      ...(only ? { label: `${only.name ?? only.id} · 15m` } : {}),
      metrics: ['waiting', 'longest_wait_s', 'service_level', 'abandon_rate', 'asa_s', 'agents.available', 'staffing'],
    },
    { kind: 'agents', id: 'agents', w: 6, h: 4, scope: 'all' },
    { kind: 'alerts', id: 'alerts', w: 12, h: 1 },
  ];
  return { id: 'default', name: 'Contact centre', columns: 12, rows: 9, widgets };
}
