// One JSON Schema per method's request. Both transports validate here before the service sees a
// payload, so a renderer bug or a hand-written HTTP call gets the same answer: which field, why.

import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { STAGE_NAMES } from '../orchestrator/types.ts';
import { profileNameSchema } from '../profiles/names.ts';
import { MAX_BATCH, MAX_CLAIMS } from '../generate/options.ts';
import type { ApiMethod, ApiRequest } from './protocol.ts';
import { ApiError } from './errors.ts';
import { SQL_ROW_CAP } from './read-models/sql-console.ts';

/** Rows the largest table can hold: every claim of the largest world, versioned in every batch. */
const MAX_ROW_OFFSET = MAX_CLAIMS * MAX_BATCH;

const empty = { type: 'object', additionalProperties: false, properties: {} };
const runId = { type: 'string', pattern: '^\\d{8}-\\d{6}-[0-9a-f]{6}$' };
const stage = { enum: STAGE_NAMES };
const name = { type: 'string', minLength: 1, maxLength: 200 };
const profileName = profileNameSchema;
const isoDate = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' };

const datasetRef = {
  type: 'object',
  additionalProperties: false,
  required: ['source', 'name'],
  properties: {
    source: { enum: ['generated', 'raw', 'curated', 'quarantine', 'duplicates', 'warehouse'] },
    name,
    batch: { type: 'integer', minimum: 1, maximum: 1000 },
  },
};

const filters = {
  type: 'array',
  maxItems: 20,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['column', 'op'],
    properties: {
      column: name,
      op: { enum: ['eq', 'neq', 'contains', 'starts', 'gt', 'gte', 'lt', 'lte', 'null', 'notnull'] },
      value: { type: ['string', 'number', 'boolean'], maxLength: 1000 },
    },
  },
};

const profileObject = { type: 'object', maxProperties: 200 };

const schemas: Record<ApiMethod, object> = {
  'app.info': empty,
  'generate.start': {
    type: 'object',
    additionalProperties: false,
    required: ['seed', 'members', 'providers', 'claims', 'batch', 'dirtyRate'],
    // ranges are checked by parseGenerateOptions, whose messages name the option
    properties: {
      seed: { type: 'integer' },
      members: { type: 'integer' },
      providers: { type: 'integer' },
      claims: { type: 'integer' },
      batch: { type: 'integer' },
      dirtyRate: { type: 'number' },
    },
  },
  'generate.cancel': { type: 'object', additionalProperties: false, required: ['jobId'], properties: { jobId: name } },
  'generate.batches': empty,
  'datasets.list': empty,
  'datasets.page': {
    type: 'object',
    additionalProperties: false,
    required: ['ref', 'offset', 'limit'],
    properties: {
      ref: datasetRef,
      offset: { type: 'integer', minimum: 0, maximum: MAX_ROW_OFFSET },
      limit: { type: 'integer', minimum: 1, maximum: 5000 },
      sort: {
        type: 'array',
        maxItems: 5,
        items: { type: 'object', additionalProperties: false, required: ['column', 'dir'], properties: { column: name, dir: { enum: ['asc', 'desc'] } } },
      },
      filters,
    },
  },
  'datasets.profile': {
    type: 'object',
    additionalProperties: false,
    required: ['ref', 'column'],
    properties: { ref: datasetRef, column: name, filters },
  },
  'runs.start': {
    type: 'object',
    additionalProperties: false,
    required: ['batch'],
    properties: {
      batch: { type: 'integer', minimum: 1, maximum: 1000 },
      stages: { type: 'array', items: stage, minItems: 1, uniqueItems: true },
      profile: profileName,
      force: { type: 'boolean' },
    },
  },
  'runs.resume': { type: 'object', additionalProperties: false, required: ['runId'], properties: { runId } },
  'runs.rerunStage': { type: 'object', additionalProperties: false, required: ['runId', 'stage'], properties: { runId, stage } },
  'runs.cancel': { type: 'object', additionalProperties: false, required: ['runId'], properties: { runId } },
  'runs.list': {
    type: 'object',
    additionalProperties: false,
    properties: {
      status: { enum: ['running', 'succeeded', 'failed', 'cancelled'] },
      trigger: { enum: ['manual', 'schedule', 'api', 'resume'] },
      profile: profileName,
      batch: { type: 'integer', minimum: 1 },
      limit: { type: 'integer', minimum: 1, maximum: 1000 },
    },
  },
  'runs.get': { type: 'object', additionalProperties: false, required: ['runId'], properties: { runId } },
  'profiles.list': empty,
  'profiles.get': { type: 'object', additionalProperties: false, required: ['name'], properties: { name: profileName } },
  'profiles.validate': { type: 'object', additionalProperties: false, required: ['name', 'profile'], properties: { name: profileName, profile: profileObject } },
  'profiles.save': { type: 'object', additionalProperties: false, required: ['name', 'profile'], properties: { name: profileName, profile: profileObject } },
  'profiles.activate': { type: 'object', additionalProperties: false, required: ['name'], properties: { name: profileName } },
  'lineage.graph': empty,
  'lineage.node': { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_.\\-]{1,400}$' } } },
  'quality.overview': empty,
  'analytics.options': empty,
  'analytics.dashboard': {
    type: 'object',
    additionalProperties: false,
    properties: { from: isoDate, to: isoDate, plan: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,40}$' } },
  },
  'history.search': {
    type: 'object',
    additionalProperties: false,
    required: ['entity', 'query'],
    properties: { entity: { enum: ['member', 'provider'] }, query: { type: 'string', maxLength: 100 } },
  },
  'history.timeline': {
    type: 'object',
    additionalProperties: false,
    required: ['entity', 'id'],
    properties: { entity: { enum: ['member', 'provider'] }, id: { type: 'string', pattern: '^[A-Za-z0-9]{1,20}$' } },
  },
  'sql.query': {
    type: 'object',
    additionalProperties: false,
    required: ['sql'],
    properties: { sql: { type: 'string', minLength: 1, maxLength: 100_000 }, limit: { type: 'integer', minimum: 1, maximum: SQL_ROW_CAP }, explain: { type: 'boolean' } },
  },
};

const ajv = new Ajv2020({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

export const API_METHODS = Object.keys(schemas) as ApiMethod[];

export function isApiMethod(method: string): method is ApiMethod {
  return Object.hasOwn(schemas, method);
}

function describe(e: ErrorObject): { path: string; message: string } {
  const path = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : '(request)';
  if (e.keyword === 'additionalProperties') return { path, message: `unknown field "${String(e.params.additionalProperty)}"` };
  if (e.keyword === 'required') return { path, message: `missing field "${String(e.params.missingProperty)}"` };
  if (e.keyword === 'enum') return { path, message: `must be one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')}` };
  return { path, message: e.message ?? e.keyword };
}

/** Checks a payload against its method's schema; throws an invalid_request ApiError listing every problem. */
export function validateRequest<M extends ApiMethod>(method: M, payload: unknown): ApiRequest<M> {
  let validate = compiled.get(method);
  if (!validate) {
    validate = ajv.compile(schemas[method]);
    compiled.set(method, validate);
  }
  if (!validate(payload)) {
    const details = (validate.errors ?? []).map(describe);
    throw new ApiError('invalid_request', `Invalid ${method} request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}.`, { details });
  }
  return payload as ApiRequest<M>;
}
