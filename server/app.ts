// buildApp(): the Fastify application, without listening (DESIGN convention 1). Tests
// use app.inject() or listen on port 0; server/main.ts does the rest.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import type { Services } from './context.ts';
import { problem } from './errors.ts';
import { clickhouseErrorCode, clickhouseUnreachable } from './db/clickhouse.ts';
import { Sessions, SESSION_COOKIE } from './auth/sessions.ts';
import opsRoutes from './plugins/ops.routes.ts';
import ingestRoutes from './plugins/ingest.routes.ts';
import keysRoutes from './plugins/keys.routes.ts';
import settingsRoutes from './plugins/settings.routes.ts';
import boardsRoutes from './plugins/boards.routes.ts';
import adaptersRoutes from './plugins/adapters.routes.ts';
import connectRoutes from './plugins/connect.routes.ts';
import twilioRoutes from './plugins/twilio.routes.ts';

/** Errors of the NATS client that mean "unavailable now", not a bug. */
const NATS_DOWN = /^(TimeoutError|NoResponders|NoRespondersError|RequestError|ClosedConnectionError|ConnectionError|DrainingConnectionError|JetStreamNotEnabled|BusUnavailable)$/;

const WEB_BUILD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web/build');

export interface AppOptions {
  svc: Services;
  sessionSecret: string;
  /** more API areas, registered under /v1 with { svc } */
  plugins?: FastifyPluginAsync<{ svc: Services }>[];
  /** serve the built web app (web/build) if present */
  web?: boolean;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { svc } = opts;
  const app = Fastify({
    loggerInstance: svc.log,
    // Per-request lines would dominate the log at ingestion rates; errors are logged by the handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: svc.config.maxBodyBytes,
    trustProxy: true,
    // Plain JSON.parse: events are checked against closed schemas (an own "__proto__" or
    // "constructor" key is an unknown field) and copied, never merged into prototypes.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  });
  const sessions = new Sessions(opts.sessionSecret, svc.keys);

  app.setErrorHandler((err: FastifyError & { errors?: unknown[]; retryAfter?: number }, req, reply) => {
    let status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    const extra: Record<string, unknown> = {};
    let detail = err.message;
    if (status === 500 && (NATS_DOWN.test(err.name ?? '') || (err.name === 'JetStreamApiError' && /temporarily unavailable|no suitable peers|leader/i.test(err.message)))) {
      // NATS unreachable, or a cluster electing a leader: the request may be sent again
      status = 503;
      err.retryAfter ??= 2;
      detail = `the event bus is not answering (${err.name}); try again shortly`;
    }
    if (status === 500 && clickhouseUnreachable(err)) {
      // a ClickHouse server down or restarting: nothing was read or stored, ask again later
      status = 503;
      err.retryAfter ??= 2;
      detail = `ClickHouse is not answering (${clickhouseErrorCode(err) || err.message}); try again shortly`;
    }
    if (err.validation) {
      status = 400;
      extra.errors = err.validation.map((v) => ({
        field: (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.') ||
          (v.params as { missingProperty?: string; additionalProperty?: string })?.missingProperty ||
          (v.params as { additionalProperty?: string })?.additionalProperty || err.validationContext || '(body)',
        reason:
          v.keyword === 'additionalProperties'
            ? `unknown field "${(v.params as { additionalProperty: string }).additionalProperty}"`
            : v.message,
      }));
      detail = `${err.validationContext ?? 'request'} is invalid: ` +
        (extra.errors as { field: string; reason: string }[]).map((e) => `${e.field}: ${e.reason}`).join('; ');
    } else if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
      status = 400;
      detail = `the body is not valid JSON: ${err.message}`;
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      detail = `the body is larger than ${svc.config.maxBodyBytes} bytes (5 MiB)`;
    }
    if (err.errors) extra.errors = err.errors;
    if (err.retryAfter) reply.header('Retry-After', String(err.retryAfter));
    if (status >= 500) req.log.error({ err }, 'request failed');
    else req.log.warn({ status, code: err.code, url: req.url, detail }, 'request rejected');
    if (status >= 500 && status !== 503) detail = 'internal error; see the server log';
    reply.code(status).type('application/problem+json').send(problem(status, detail, extra));
  });

  await app.register(cookie);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      req.principal = svc.keys.verify(auth.slice(7).trim());
      return;
    }
    const q = (req.query as { key?: string } | undefined)?.key;
    if (typeof q === 'string' && q) {
      req.principal = svc.keys.verify(q);
      return;
    }
    const c = req.cookies?.[SESSION_COOKIE];
    if (c) req.principal = sessions.verify(c);
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Floorwatch API', version: '1', description: 'Real-time contact-center operations' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(opsRoutes, { svc });
  await app.register(
    async (v1) => {
      if (svc.config.roles.has('ingest')) await v1.register(ingestRoutes, { svc });
      await v1.register(keysRoutes, { svc, sessions });
      await v1.register(settingsRoutes, { svc });
      await v1.register(boardsRoutes, { svc });
      await v1.register(adaptersRoutes, { svc });
      if (svc.config.roles.has('ingest')) await v1.register(connectRoutes, { svc });
      if (svc.config.roles.has('ingest')) await v1.register(twilioRoutes, { svc });
      if (svc.config.roles.has('ingest')) await v1.register((await import('./plugins/import.routes.ts')).default, { svc });
      for (const p of opts.plugins ?? []) await v1.register(p, { svc });
    },
    { prefix: '/v1' },
  );

  const hasWeb = opts.web !== false && fs.existsSync(path.join(WEB_BUILD, 'index.html'));
  if (hasWeb) await app.register(fastifyStatic, { root: WEB_BUILD, wildcard: false, index: false });
  app.setNotFoundHandler((req, reply) => {
    if (hasWeb && req.method === 'GET' && !req.url.startsWith('/v1/') && !req.url.startsWith('/docs'))
      return reply.type('text/html').sendFile('index.html');
    reply.code(404).type('application/problem+json').send(problem(404, `no route ${req.method} ${req.url.split('?')[0]}`));
  });
  return app as unknown as FastifyInstance;
}
