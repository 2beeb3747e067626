// /v1/boards: wall layouts per tenant, in NATS KV so every node serves the same board.
// Every tenant has a board `default` (generated until an admin saves one).
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { requireScope, tenantOf, type Services } from '../context.ts';
import { badRequest, Errors } from '../errors.ts';
import { BoardSchema, checkBoard, defaultBoard, type Board } from '../boards/board-schema.ts';
import { kvToken } from '../../pipelines/bus/subjects.ts';

export const BOARDS_BUCKET = 'fw_boards';
const key = (tenant: string, id: string) => `${tenant}.${kvToken(id)}`;

export default async function boardsRoutes(app: FastifyInstance, { svc }: { svc: Services }) {
  const boards = await svc.kv<Board>(BOARDS_BUCKET);
  const get = (tenant: string, id: string): Board | null =>
    boards.get(key(tenant, id)) ?? (id === 'default' ? defaultBoard([]) : null);

  app.get('/boards', { onRequest: requireScope('read'), schema: { tags: ['boards'] } }, async (req) => {
    const t = tenantOf(req);
    const items = [...boards.entries(`${t}.`)].map(([, b]) => b);
    if (!items.some((b) => b.id === 'default')) items.unshift(defaultBoard([]));
    return { items: items.sort((a, b) => (a.id === 'default' ? -1 : b.id === 'default' ? 1 : a.name.localeCompare(b.name))) };
  });

  app.get<{ Params: { id: string } }>(
    '/boards/:id',
    { onRequest: requireScope('read'), schema: { tags: ['boards'] } },
    async (req) => {
      const b = get(tenantOf(req), req.params.id);
      if (!b) throw new Errors.NotFound(`no board "${req.params.id}"`);
      return b;
    },
  );

  app.put<{ Params: { id: string }; Body: Static<typeof BoardSchema> }>(
    '/boards/:id',
    { onRequest: requireScope('admin'), schema: { tags: ['boards'], body: BoardSchema } },
    async (req) => {
      const board = req.body as Board;
      if (board.id !== req.params.id)
        throw badRequest(`id: the body's id "${board.id}" differs from the path's "${req.params.id}"`, [
          { field: 'id', reason: 'must equal the id in the path' },
        ]);
      const problems = checkBoard(board);
      if (problems.length) throw badRequest(`the board is invalid: ${problems.join('; ')}`, problems.map((p) => ({ field: p.split(':')[0], reason: p })));
      await boards.put(key(tenantOf(req), board.id), board);
      return board;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/boards/:id',
    { onRequest: requireScope('admin'), schema: { tags: ['boards'] } },
    async (req, reply) => {
      const k = key(tenantOf(req), req.params.id);
      if (!boards.get(k)) throw new Errors.NotFound(`no saved board "${req.params.id}"`);
      await boards.delete(k);
      return reply.code(204).send();
    },
  );
}
