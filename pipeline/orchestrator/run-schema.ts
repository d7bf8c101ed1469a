// JSON Schema of run.json. run.json is a file on disk that people and older versions may have
// touched, so it is validated on the way in like any other outside input.

const stageName = { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$' };

const nullableString = { type: ['string', 'null'] };
const nullableNumber = { type: ['number', 'null'] };

const errorRecord = {
  type: 'object',
  required: ['message'],
  properties: {
    message: { type: 'string' },
    cause: { type: 'array', items: { type: 'string' } },
    hint: { type: 'string' },
    stack: { type: 'string' },
    retryable: { type: 'boolean' },
    stage: stageName,
  },
};

const stageResult = {
  type: 'object',
  properties: {
    rows: { type: 'object', additionalProperties: { type: 'number' } },
    outputs: { type: 'object' },
    summary: { type: 'string' },
    noop: { type: 'boolean' },
  },
};

export const runRecordSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['runId', 'profile', 'options', 'batch', 'status', 'trigger', 'startedAt', 'endedAt', 'seconds', 'stages'],
  properties: {
    runId: { type: 'string', pattern: '^\\d{8}-\\d{6}-[0-9a-f]{6}$' },
    profile: { type: 'string' },
    options: { type: 'object', required: ['profile', 'workspace', 'batch'] },
    batch: { type: 'number' },
    status: { enum: ['running', 'succeeded', 'failed', 'cancelled'] },
    trigger: { enum: ['manual', 'schedule', 'api', 'resume', 'airflow'] },
    resumedFrom: { type: 'string' },
    joinable: { type: 'boolean' },
    startedAt: { type: 'string' },
    endedAt: nullableString,
    seconds: nullableNumber,
    error: errorRecord,
    stages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'status', 'attempts', 'startedAt', 'endedAt', 'seconds', 'rows', 'result'],
        properties: {
          name: stageName,
          status: { enum: ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'skipped'] },
          attempts: { type: 'integer', minimum: 0 },
          startedAt: nullableString,
          endedAt: nullableString,
          seconds: nullableNumber,
          rows: { type: 'object', additionalProperties: { type: 'number' } },
          result: { oneOf: [stageResult, { type: 'null' }] },
          error: errorRecord,
          restoredFrom: { type: 'string' },
          checkpoint: { type: 'object' },
        },
      },
    },
  },
} as const;
