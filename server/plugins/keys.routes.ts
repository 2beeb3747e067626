// /v1/keys and /v1/session: scoped API keys (stored hashed) and browser sign-in.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { requireScope, tenantOf, type Services } from '../context.ts';
import { BOOTSTRAP_TENANT, SCOPES, validTenant, type KeyScope } from '../auth/keys.ts';
import { badRequest, Errors } from '../errors.ts';
import { SESSION_COOKIE, type Sessions } from '../auth/sessions.ts';

const CreateKey = Type.Object(
  {
    scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true }),
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
    name: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

export default async function keysRoutes(app: FastifyInstance, { svc, sessions }: { svc: Services; sessions: Sessions }) {
  app.post<{ Body: Static<typeof CreateKey> }>(
    '/keys',
    { onRequest: requireScope('admin'), schema: { tags: ['keys'], body: CreateKey } },
    async (req, reply) => {
      const own = tenantOf(req);
      const tenant = req.body.tenant ?? own;
      if (!validTenant(tenant))
        throw badRequest('tenant: must be 1–63 characters of a–z, 0–9, "_" or "-", starting with a letter or digit', [
          { field: 'tenant', reason: 'invalid tenant id' },
        ]);
      if (tenant !== own && own !== BOOTSTRAP_TENANT)
        throw new Errors.Forbidden('only admin keys of the bootstrap tenant may create keys for other tenants');
      const { key, record } = await svc.keys.create(tenant, req.body.scopes as KeyScope[], req.body.name ?? null);
      req.log.info({ keyId: record.id, tenant, scopes: record.scopes }, 'API key created');
      return reply.code(201).send({ id: record.id, key, tenant, scopes: record.scopes, name: record.name });
    },
  );

  app.get('/keys', { onRequest: requireScope('admin'), schema: { tags: ['keys'] } }, async (req) => ({
    items: svc.keys.list(tenantOf(req)),
  }));

  app.delete<{ Params: { id: string } }>(
    '/keys/:id',
    { onRequest: requireScope('admin'), schema: { tags: ['keys'] } },
    async (req, reply) => {
      const rec = svc.keys.get(req.params.id);
      if (!rec || rec.tenant !== tenantOf(req)) throw new Errors.NotFound(`no key ${req.params.id}`);
      await svc.keys.revoke(rec.id);
      req.log.info({ keyId: rec.id }, 'API key revoked');
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { key: string } }>(
    '/session',
    {
      schema: {
        tags: ['auth'],
        body: Type.Object({ key: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
      },
    },
    async (req, reply) => {
      const p = svc.keys.verify(req.body.key);
      if (!p) throw new Errors.Unauthorized('this key is not valid');
      if (!p.scopes.has('read') && !p.scopes.has('admin'))
        throw new Errors.Forbidden('signing in needs a key with the "read" or "admin" scope');
      reply.setCookie(SESSION_COOKIE, sessions.issue(p.keyId), sessions.cookieOptions());
      return { tenant: p.tenant, scopes: [...p.scopes] };
    },
  );

  app.get('/session', { schema: { tags: ['auth'] } }, async (req) => {
    if (!req.principal) throw new Errors.Unauthorized('not signed in');
    return { tenant: req.principal.tenant, scopes: [...req.principal.scopes] };
  });

  app.delete('/session', { schema: { tags: ['auth'] } }, async (_req, reply) => {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });
}
