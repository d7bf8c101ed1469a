// Validation of every request against its method's JSON Schema (requests.ts). Both transports
// validate here before the service sees a payload, so a renderer bug or a hand-written HTTP call
// gets the same answer: which field, why.

import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { ApiError } from './errors.ts';
import type { ApiMethod, ApiRequest } from './protocol.ts';
import { REQUESTS } from './requests.ts';

const ajv = new Ajv2020({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

export function isApiMethod(method: string): method is ApiMethod {
  return Object.hasOwn(REQUESTS, method);
}

function describe(e: ErrorObject): { path: string; message: string } {
  const path = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : '(request)';
  if (e.keyword === 'additionalProperties') return { path, message: `unknown field "${String(e.params.additionalProperty)}"` };
  if (e.keyword === 'required') return { path, message: `missing field "${String(e.params.missingProperty)}"` };
  if (e.keyword === 'const') return { path, message: `must be ${JSON.stringify(e.params.allowedValue)}` };
  if (e.keyword === 'enum') return { path, message: `must be one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')}` };
  return { path, message: e.message ?? e.keyword };
}

/** Checks a payload against its method's schema; throws an invalid_request ApiError listing every problem. */
export function validateRequest<M extends ApiMethod>(method: M, payload: unknown): ApiRequest<M> {
  let validate = compiled.get(method);
  if (!validate) {
    validate = ajv.compile(REQUESTS[method]);
    compiled.set(method, validate);
  }
  if (!validate(payload)) {
    const details = (validate.errors ?? []).map(describe);
    throw new ApiError('invalid_request', `Invalid ${method} request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}.`, { details });
  }
  return payload as ApiRequest<M>;
}
