// The one error type the service throws on purpose. Anything else reaching a transport is an
// internal error and is reported as such (message only; stacks stay in the process).

import { KeyOutsideRootError } from '../lake/contained-path.ts';
import { LakeObjectMissingError } from '../lake/types.ts';
import { NoEventLogError, RunNotFoundError } from '../orchestrator/store.ts';
import { LakeBusyError } from '../run/lake-lock.ts';
import { WorkspaceBusyError } from '../run/lock.ts';
import { FilterValueError, UnknownColumnError, UnknownRelationError, UserQueryError, WarehouseUnavailableError } from '../warehouse/reader.ts';
import type { ApiErrorBody } from './protocol.ts';

export class ApiError extends Error {
  readonly code: ApiErrorBody['code'];
  readonly hint?: string;
  readonly details?: ApiErrorBody['details'];
  readonly position?: ApiErrorBody['position'];

  constructor(code: ApiErrorBody['code'], message: string, extra: Omit<ApiErrorBody, 'code' | 'message'> & { cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ApiError';
    this.code = code;
    if (extra.hint !== undefined) this.hint = extra.hint;
    if (extra.details !== undefined) this.details = extra.details;
    if (extra.position !== undefined) this.position = extra.position;
  }
}

export function errorBody(err: unknown): ApiErrorBody {
  if (err instanceof ApiError) {
    return {
      code: err.code,
      message: err.message,
      ...(err.hint === undefined ? {} : { hint: err.hint }),
      ...(err.details === undefined ? {} : { details: err.details }),
      ...(err.position === undefined ? {} : { position: err.position }),
    };
  }
  // the layers below say what went wrong with typed errors; each has one answer here
  if (err instanceof WarehouseUnavailableError) return { code: 'unavailable', message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  if (err instanceof UnknownRelationError) return { code: 'not_found', message: err.message, hint: 'Pick a table from the list; it shows what the last run loaded.' };
  if (err instanceof UnknownColumnError) return { code: 'invalid_request', message: err.message, details: [{ path: err.path, message: 'not a column of this dataset' }] };
  if (err instanceof FilterValueError) return { code: 'invalid_request', message: err.message, hint: 'Compare numbers with numbers and dates as YYYY-MM-DD.' };
  if (err instanceof UserQueryError) return { code: 'sql_error', message: err.message, ...(err.position ? { position: err.position } : {}), ...(err.hint ? { hint: err.hint } : {}) };
  if (err instanceof WorkspaceBusyError || err instanceof LakeBusyError) return { code: 'conflict', message: err.message };
  if (err instanceof RunNotFoundError || err instanceof NoEventLogError) return { code: 'not_found', message: err.message };
  // a record in the lake or the generated folder names a file it must not, or one that is gone
  if (err instanceof KeyOutsideRootError) {
    return { code: 'unavailable', message: `Refused to read it: ${err.message}`, hint: 'A manifest or link in the workspace points outside it. Land the batch again with --force, or remove the file.' };
  }
  if (err instanceof LakeObjectMissingError) {
    return { code: 'not_found', message: err.message, hint: 'The lake lost a file its manifest lists: rerun the stage that wrote it with --force.' };
  }
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

/** HTTP status for an error code. */
export function httpStatus(code: ApiErrorBody['code']): number {
  switch (code) {
    case 'invalid_request':
    case 'sql_error':
      return 400;
    case 'unauthorized':
      return 401;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'unavailable':
      return 503;
    default:
      return 500;
  }
}
