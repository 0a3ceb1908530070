'use strict';
// The bench's peer: dragoman's hot routes written as the plain Express +
// pg + memjs service that the seeds' TypeScript design sketches (an API
// key cached in memcached, a translation cache, a usage row per request,
// a metered charge as BEGIN, conditional UPDATE ... RETURNING, ledger
// INSERT, COMMIT). bench/run starts it on the stack's PostgreSQL,
// memcached and APy and measures it beside dragoman. Not a product: no
// rate limits, no quotas, no reservations, one provider.
//
//   node server.js            serve (PEER_PROCS workers on PEER_PORT)
//   node server.js setup N    create N workspaces with ample credit and
//                             one key each; prints "api_key=..." lines
//
// Environment: PEER_PORT (8090), PEER_PROCS (2), DATABASE_URL,
// MEMCACHED (host:port), APERTIUM_URL.

const cluster = require('node:cluster');
const crypto = require('node:crypto');
const express = require('express');
const memjs = require('memjs');
const { Pool } = require('pg');

const config = {
  port: Number(process.env.PEER_PORT || 8090),
  procs: Number(process.env.PEER_PROCS || 2),
  databaseUrl: process.env.DATABASE_URL || 'postgresql://dragoman@127.0.0.1:5432/dragoman',
  memcached: process.env.MEMCACHED || '127.0.0.1:11211',
  apertiumUrl: (process.env.APERTIUM_URL || 'http://127.0.0.1:2737').replace(/\/$/, ''),
  keyTtlSeconds: 60,
  translationTtlSeconds: 86400,
};

// Prices per million units, in micros (dragoman's default pricing table).
const PRICES = {
  'apertium:characters': 1000000,
  'openai/gpt-4o:tokens': 10000000,
  'openai/gpt-4o-mini:tokens': 600000,
  'anthropic/claude-sonnet-4:tokens': 15000000,
  'dragoman/call:requests': 10000000000,
};
const UNITS = ['characters', 'tokens', 'requests'];

// ISO 639-1 as the API takes it, ISO 639-3 as APy names its pairs.
const ISO639_3 = {
  en: 'eng', es: 'spa', fr: 'fra', ca: 'cat', pt: 'por', it: 'ita',
  de: 'deu', gl: 'glg', oc: 'oci', ro: 'ron', eo: 'epo', nl: 'nld',
};

const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS peer;
CREATE TABLE IF NOT EXISTS peer.workspaces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  plan text NOT NULL DEFAULT 'enterprise',
  balance_micros bigint NOT NULL DEFAULT 0 CHECK (balance_micros >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS peer.api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES peer.workspaces(id),
  key_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  role text NOT NULL DEFAULT 'admin',
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE TABLE IF NOT EXISTS peer.ledger (
  id bigserial PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES peer.workspaces(id),
  amount_micros bigint NOT NULL,
  balance_after_micros bigint NOT NULL,
  kind text NOT NULL,
  description text,
  idempotency_key text,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, idempotency_key)
);
CREATE TABLE IF NOT EXISTS peer.usage (
  id bigserial PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES peer.workspaces(id),
  api_key_id uuid NOT NULL REFERENCES peer.api_keys(id),
  request_id text NOT NULL,
  endpoint text NOT NULL,
  source text,
  target text,
  characters integer NOT NULL DEFAULT 0,
  cached boolean NOT NULL DEFAULT false,
  status integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);`;

const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const micros = (m) => (Number(m) / 1e6).toFixed(6);

// --- errors: RFC 9457 problem+json, as dragoman answers them ---

class Problem extends Error {
  constructor(status, slug, title, detail) {
    super(detail);
    Object.assign(this, { status, slug, title, detail });
  }
}

function sendProblem(res, p) {
  res.status(p.status).type('application/problem+json').send(JSON.stringify({
    type: `urn:dragoman:problem:${p.slug}`, title: p.title, status: p.status,
    detail: p.detail, request_id: res.locals.requestId,
  }));
}

// --- services ---

class Database {
  constructor() {
    // money moves here: every commit waits for its WAL flush
    this.durable = new Pool({ connectionString: config.databaseUrl, max: 10 });
    // usage rows move no money: asynchronous commit
    this.async = new Pool({ connectionString: config.databaseUrl, max: 10,
      options: '-c synchronous_commit=off' });
  }

  async ensureSchema() {
    await this.durable.query(SCHEMA);
  }
}

class Cache {
  constructor() {
    this.client = memjs.Client.create(config.memcached, { retries: 1, logger: { log() {} } });
  }

  async getJson(key) {
    const { value } = await this.client.get(key);
    return value ? JSON.parse(value.toString()) : null;
  }

  async setJson(key, obj, ttl) {
    await this.client.set(key, JSON.stringify(obj), { expires: ttl });
  }
}

class AuthService {
  constructor(db, cache) { Object.assign(this, { db, cache }); }

  // The caller of a Bearer key: memcached first, then PostgreSQL.
  async authenticate(header) {
    const m = /^Bearer (\S+)$/.exec(header || '');
    if (!m) throw new Problem(401, 'unauthorized', 'Missing or invalid credentials', 'a Bearer API key is required');
    const hash = sha256(m[1]);
    const cacheKey = `peer:key:${hash}`;
    let caller = await this.cache.getJson(cacheKey);
    if (!caller) {
      const { rows } = await this.db.durable.query(
        `SELECT k.id AS key_id, k.prefix, k.role, k.created_at AS key_created_at,
                w.id, w.name, w.plan, w.created_at
           FROM peer.api_keys k JOIN peer.workspaces w ON w.id = k.workspace_id
          WHERE k.key_hash = $1 AND k.revoked_at IS NULL`, [hash]);
      if (rows.length === 0) throw new Problem(401, 'unauthorized', 'Missing or invalid credentials', 'unknown API key');
      caller = rows[0];
      await this.cache.setJson(cacheKey, caller, config.keyTtlSeconds);
    }
    return caller;
  }
}

class TranslationService {
  constructor(db, cache) { Object.assign(this, { db, cache }); }

  async translate(caller, requestId, { text, source, target }) {
    const pair = `${ISO639_3[source]}|${ISO639_3[target]}`;
    const cacheKey = `peer:tr:${sha256(`${source}|${target}|${text}`)}`;
    let translated = await this.cache.getJson(cacheKey);
    const cached = translated !== null;
    if (!cached) {
      translated = await this.apertium(pair, text);
      await this.cache.setJson(cacheKey, translated, config.translationTtlSeconds);
    }
    const characters = [...text].length;
    await this.db.async.query(
      `INSERT INTO peer.usage (workspace_id, api_key_id, request_id, endpoint, source, target,
                               characters, cached, status)
       VALUES ($1, $2, $3, 'translate', $4, $5, $6, $7, 200)`,
      [caller.id, caller.key_id, requestId, source, target, characters, cached]);
    return {
      translations: [{ text: translated, provider: 'apertium',
        model: `apertium-${pair.replace('|', '-')}`, cached }],
      billed_characters: cached ? 0 : characters,
      request_id: requestId,
    };
  }

  async apertium(pair, text) {
    const url = `${config.apertiumUrl}/translate?langpair=${encodeURIComponent(pair)}` +
      `&markUnknown=no&q=${encodeURIComponent(text)}`;
    const r = await fetch(url);
    const body = r.ok ? await r.json() : null;
    if (!body || body.responseStatus !== 200) {
      throw new Problem(503, 'service-unavailable', 'Service unavailable', 'the translation provider failed');
    }
    return body.responseData.translatedText;
  }
}

class BillingService {
  constructor(db) { this.db = db; }

  // One metered charge under an Idempotency-Key: a repeat answers the
  // first charge; 402 when the balance does not cover it.
  async charge(caller, requestId, idemKey, { quantity, unit, model }) {
    const cost = (BigInt(quantity) * BigInt(PRICES[`${model}:${unit}`]) + 999999n) / 1000000n;
    const client = await this.db.durable.connect();
    try {
      await client.query('BEGIN');
      const upd = await client.query(
        `UPDATE peer.workspaces SET balance_micros = balance_micros - $2
          WHERE id = $1 AND balance_micros >= $2 RETURNING balance_micros`,
        [caller.id, cost.toString()]);
      const answer = { model, provider: model.split('/')[0], unit, quantity, charged: micros(cost),
        charged_micros: Number(cost), request_id: requestId };
      const ins = upd.rowCount === 0 ? null : await client.query(
        `INSERT INTO peer.ledger (workspace_id, amount_micros, balance_after_micros, kind,
                                  description, idempotency_key, response)
         VALUES ($1, $2, $3, 'usage', $4, $5, $6)
         ON CONFLICT (workspace_id, idempotency_key) DO NOTHING RETURNING id`,
        [caller.id, (-cost).toString(), upd.rows[0].balance_micros, `${quantity} ${unit} of ${model}`,
          idemKey, answer]);
      if (ins && ins.rowCount === 1) {
        await client.query('COMMIT');
        return answer;
      }
      await client.query('ROLLBACK');
      const first = await this.replay(client, caller, idemKey);
      if (first) return first;
      throw new Problem(402, 'insufficient-credits', 'Not enough credits',
        `the charge of ${micros(cost)} exceeds the balance`);
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  // The first charge's answer under idemKey, or null.
  async replay(client, caller, idemKey) {
    const { rows } = await client.query(
      `SELECT response FROM peer.ledger WHERE workspace_id = $1 AND idempotency_key = $2`,
      [caller.id, idemKey]);
    return rows.length ? rows[0].response : null;
  }
}

// --- validation ---

function translateBody(b) {
  const bad = (detail) => new Problem(400, 'invalid-field', 'A field failed validation', detail);
  if (!b || typeof b.text !== 'string' || b.text.length === 0) throw bad('"text" must be a non-empty string');
  if (!ISO639_3[b.source]) throw bad('"source" is not a language this service translates from');
  if (!ISO639_3[b.target] || b.target === b.source) throw bad('"target" is not a language this service translates to');
  return b;
}

function usageBody(b) {
  const bad = (detail) => new Problem(400, 'invalid-field', 'A field failed validation', detail);
  if (!b || !Number.isSafeInteger(b.quantity) || b.quantity <= 0) throw bad('"quantity" must be a positive integer');
  if (!UNITS.includes(b.unit)) throw bad('"unit" must be characters, tokens or requests');
  if (typeof b.model !== 'string' || PRICES[`${b.model}:${b.unit}`] === undefined) {
    throw bad('"model" has no price for this unit');
  }
  return b;
}

// --- the app ---

function createApp() {
  const db = new Database();
  const cache = new Cache();
  const auth = new AuthService(db, cache);
  const translator = new TranslationService(db, cache);
  const billing = new BillingService(db);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.use((req, res, next) => {
    res.locals.requestId = crypto.randomUUID();
    res.set('X-Request-Id', res.locals.requestId);
    next();
  });
  app.use(express.json({ limit: '128kb' }));
  const authed = (handler) => async (req, res, next) => {
    try {
      res.locals.caller = await auth.authenticate(req.get('authorization'));
      await handler(req, res);
    } catch (e) {
      next(e);
    }
  };

  app.get('/v1/workspace', authed(async (req, res) => {
    const c = res.locals.caller;
    res.json({
      workspace: { id: c.id, name: c.name, plan: c.plan, created_at: c.created_at,
        providers: null, time_zone: 'UTC' },
      key: { id: c.key_id, prefix: c.prefix, role: c.role, created_at: c.key_created_at,
        last_used_at: null },
    });
  }));

  app.post('/v1/translate', authed(async (req, res) => {
    const out = await translator.translate(res.locals.caller, res.locals.requestId, translateBody(req.body));
    res.set('X-Cache', out.translations[0].cached ? 'HIT' : 'MISS').json(out);
  }));

  app.post('/v1/billing/usage', authed(async (req, res) => {
    const idemKey = req.get('idempotency-key');
    if (!idemKey || idemKey.length > 255) {
      throw new Problem(400, 'bad-request', 'Bad request', 'an Idempotency-Key header is required');
    }
    res.json(await billing.charge(res.locals.caller, res.locals.requestId, idemKey, usageBody(req.body)));
  }));

  app.use((req, res) => sendProblem(res, new Problem(404, 'not-found', 'Not found', 'no such route')));
  app.use((err, req, res, next) => { // eslint-disable-line no-unused-vars
    if (err instanceof Problem) return sendProblem(res, err);
    if (err.type === 'entity.parse.failed') {
      return sendProblem(res, new Problem(400, 'invalid-json', 'Request body is not valid JSON', err.message));
    }
    console.error(`request ${res.locals.requestId}:`, err);
    return sendProblem(res, new Problem(500, 'internal', 'Internal server error', 'see the log'));
  });
  return app;
}

// Creates n workspaces with ample credit (each grant one ledger row) and
// one admin key each; prints the keys.
async function setup(n) {
  const db = new Database();
  await db.ensureSchema();
  const credit = 1000000000000000n;
  for (let i = 0; i < n; i++) {
    const key = `pk_${crypto.randomBytes(24).toString('base64url')}`;
    const client = await db.durable.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(
        `INSERT INTO peer.workspaces (name, balance_micros) VALUES ($1, $2) RETURNING id`,
        [`peer-bench-${i + 1}`, credit.toString()]);
      await client.query(
        `INSERT INTO peer.ledger (workspace_id, amount_micros, balance_after_micros, kind, description)
         VALUES ($1, $2, $2, 'grant', 'bench credit')`, [rows[0].id, credit.toString()]);
      await client.query(`INSERT INTO peer.api_keys (workspace_id, key_hash, prefix) VALUES ($1, $2, $3)`,
        [rows[0].id, sha256(key), key.slice(0, 12)]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    console.log(`api_key=${key}`);
  }
  await db.durable.end();
  await db.async.end();
}

// Starts the workers after the schema is in place; a worker that dies
// serving is replaced, one that dies before listening stops the peer.
async function primary() {
  const db = new Database();
  await db.ensureSchema();
  await db.durable.end();
  await db.async.end();
  let stopping = false;
  const listening = new Set();
  cluster.on('listening', (w) => listening.add(w.id));
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    console.error(`peer: worker ${w.process.pid} died (${signal || code})`);
    if (listening.has(w.id)) {
      cluster.fork();
    } else {
      stop();
      process.exitCode = 1;
    }
  });
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers)) w.kill();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let i = 0; i < config.procs; i++) cluster.fork();
}

if (process.argv[2] === 'setup') {
  setup(Number(process.argv[3] || 1)).catch((e) => { console.error(e); process.exit(1); });
} else if (cluster.isPrimary) {
  primary().catch((e) => { console.error(e); process.exit(1); });
} else {
  createApp().listen(config.port, '127.0.0.1');
}
