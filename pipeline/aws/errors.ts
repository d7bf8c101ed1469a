/**
 * What an AWS call's failure means for a person: which resource, which permission, what to do,
 * and whether trying again can help. Every SDK call of the product goes through `awsCall`, so a
 * stage sees these types and never the SDK's own error shapes.
 */

/** Where a call went: the IAM action it needs and the resource it named (an s3:// URI, a job). */
export interface AwsCallContext {
  /** IAM action, e.g. `s3:PutObject`, `glue:StartJobRun`. */
  action: string;
  /** What the call was about, for people: `s3://bucket/prefix/key`, `Glue job hfc-cleanse`. */
  resource: string;
  bucket?: string;
  /** The endpoint override, when one is set (the emulator); absent for AWS itself. */
  endpoint?: string;
}

export class AwsError extends Error {
  readonly resource: string;
  readonly action: string;
  /** What the person should do about it. */
  readonly hint: string;
  /** Whether the same call may succeed later (the orchestrator's retry policy decides). */
  readonly retryable: boolean;

  constructor(message: string, opts: { resource: string; action: string; hint: string; retryable: boolean; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AwsError';
    this.resource = opts.resource;
    this.action = opts.action;
    this.hint = opts.hint;
    this.retryable = opts.retryable;
  }
}

const CHAIN = 'environment variables, the shared config and credentials files (AWS_PROFILE), SSO';

/** No provider in the default chain had credentials. */
export class AwsCredentialsMissingError extends AwsError {
  constructor(ctx: AwsCallContext, detail: string, cause?: unknown) {
    super(`No AWS credentials for ${ctx.action} on ${ctx.resource}: ${detail}`, {
      ...ctx,
      retryable: false,
      cause,
      hint: `The product reads credentials only from the default provider chain (${CHAIN}). Sign in (aws sso login --profile <name>), set AWS_PROFILE to a configured profile, or export AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; never put keys in profiles.yaml.`,
    });
    this.name = 'AwsCredentialsMissingError';
  }
}

/** Credentials were found but have expired (a session token, an SSO session). */
export class AwsCredentialsExpiredError extends AwsError {
  constructor(ctx: AwsCallContext, detail: string, cause?: unknown) {
    super(`The AWS credentials for ${ctx.action} on ${ctx.resource} have expired: ${detail}`, {
      ...ctx,
      retryable: false,
      cause,
      hint: 'Refresh them: aws sso login --profile <name> for an SSO profile, or fetch a new session token; then run again.',
    });
    this.name = 'AwsCredentialsExpiredError';
  }
}

/** Credentials AWS does not recognise (an unknown or deleted access key, a wrong secret). */
export class AwsCredentialsInvalidError extends AwsError {
  constructor(ctx: AwsCallContext, detail: string, cause?: unknown) {
    super(`AWS rejected the credentials for ${ctx.action} on ${ctx.resource}: ${detail}`, {
      ...ctx,
      retryable: false,
      cause,
      hint: `Check which credentials the default chain picks (${CHAIN}): \`aws sts get-caller-identity\` shows them. Replace the access key or choose another AWS_PROFILE.`,
    });
    this.name = 'AwsCredentialsInvalidError';
  }
}

export class AwsAccessDeniedError extends AwsError {
  constructor(ctx: AwsCallContext, detail: string, cause?: unknown) {
    super(`Access denied: ${ctx.action} on ${ctx.resource} (${detail}).`, {
      ...ctx,
      retryable: false,
      cause,
      hint: `Grant ${ctx.action} on ${ctx.resource} to the identity running the product (the policy in docs/cloud.md, "AWS: S3 lake, lock, Glue runs"), or check that AWS_PROFILE names the intended account.`,
    });
    this.name = 'AwsAccessDeniedError';
  }
}

export class S3BucketMissingError extends AwsError {
  readonly bucket: string;
  constructor(ctx: AwsCallContext & { bucket: string }, cause?: unknown) {
    super(`The S3 bucket ${ctx.bucket} does not exist (${ctx.action} on ${ctx.resource}).`, {
      ...ctx,
      retryable: false,
      cause,
      hint: `Create the bucket ${ctx.bucket} in the profile's region, or correct the profile's bucket name.`,
    });
    this.name = 'S3BucketMissingError';
    this.bucket = ctx.bucket;
  }
}

/** AWS asked us to slow down and the SDK's own retries did not get through. */
export class AwsThrottledError extends AwsError {
  constructor(ctx: AwsCallContext, detail: string, cause?: unknown) {
    super(`AWS throttled ${ctx.action} on ${ctx.resource} (${detail}).`, {
      ...ctx,
      retryable: true,
      cause,
      hint: 'Retried automatically by the stage retry policy; if it persists, lower the concurrency or ask AWS for a higher quota.',
    });
    this.name = 'AwsThrottledError';
  }
}

/** The endpoint did not answer at all (network down, wrong endpoint, the emulator not running). */
export class AwsEndpointUnreachableError extends AwsError {
  constructor(ctx: AwsCallContext, detail: string, cause?: unknown) {
    const where = ctx.endpoint ?? 'AWS';
    super(`Could not reach ${where} for ${ctx.action} on ${ctx.resource} (${detail}).`, {
      ...ctx,
      retryable: true,
      cause,
      hint: ctx.endpoint
        ? `Nothing answers at ${ctx.endpoint}: if it is the cloud emulator, start it (claims emulator start); otherwise correct the profile's endpoint override.`
        : 'Check the network connection and the profile region.',
    });
    this.name = 'AwsEndpointUnreachableError';
  }
}

export class GlueJobMissingError extends AwsError {
  readonly jobName: string;
  constructor(ctx: AwsCallContext, jobName: string, cause?: unknown) {
    super(`The Glue job ${jobName} does not exist (${ctx.action}).`, {
      ...ctx,
      retryable: false,
      cause,
      hint: 'Deploy the profile first (claims deploy), or correct the job name in the profile.',
    });
    this.name = 'GlueJobMissingError';
    this.jobName = jobName;
  }
}

/** Any other failure of a call: the service's own code and message, kept. */
export class AwsServiceError extends AwsError {
  readonly code: string;
  readonly status: number | undefined;
  constructor(ctx: AwsCallContext, code: string, status: number | undefined, detail: string, retryable: boolean, cause?: unknown) {
    super(`${ctx.action} on ${ctx.resource} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${detail}`, {
      ...ctx,
      retryable,
      cause,
      hint: retryable ? 'A transient service failure: retried by the stage retry policy.' : hintFor(code),
    });
    this.name = 'AwsServiceError';
    this.code = code;
    this.status = status;
  }
}

function hintFor(code: string): string {
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || code === 'IllegalLocationConstraintException') {
    return "The bucket is in another region than the profile's: set the profile's region to the bucket's.";
  }
  if (code === 'KMS.NotFoundException' || code === 'KMS.DisabledException' || code === 'KMS.KMSInvalidStateException') {
    return "The profile's KMS key is missing or disabled: correct its key id, or enable the key.";
  }
  return 'See the message above; nothing was retried because the same call would fail again.';
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
  $fault?: 'client' | 'server';
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
]);
const PROVIDER = new Set(['CredentialsProviderError', 'ProviderError', 'TokenProviderError']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired', 'RequestExpired']);
const INVALID = new Set(['InvalidAccessKeyId', 'InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch', 'InvalidSignatureException', 'InvalidToken']);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'Forbidden', 'AllAccessDisabled', 'KMS.AccessDeniedException']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

const isAbort = (err: unknown) => err instanceof Error && (err.name === 'AbortError' || err.name === 'AbortSignal');

/** The product's error for a failed SDK call (errors that are already ours, and aborts, pass through). */
export function toAwsError(err: unknown, ctx: AwsCallContext): unknown {
  if (err instanceof AwsError || isAbort(err)) return err;
  if (typeof err !== 'object' || err === null) return err;
  const e = err as SdkErrorShape;
  // only what the SDK produced: its errors carry $metadata, its credential chain has its own names
  const fromSdk = e.$metadata !== undefined || PROVIDER.has(e.name ?? '');
  if (!fromSdk) return err;
  const code = e.name && e.name !== 'Error' ? e.name : (e.code ?? 'Error');
  const status = e.$metadata?.httpStatusCode;
  const detail = (e.message ?? '').trim() || code;

  // The credential chain fails before any request is made.
  if (PROVIDER.has(code)) {
    const profile = process.env.AWS_PROFILE;
    const where = profile ? `${detail} (AWS_PROFILE=${profile})` : detail;
    return /expired|refresh/i.test(detail) ? new AwsCredentialsExpiredError(ctx, where, err) : new AwsCredentialsMissingError(ctx, where, err);
  }
  if (EXPIRED.has(code)) return new AwsCredentialsExpiredError(ctx, detail, err);
  if (INVALID.has(code)) return new AwsCredentialsInvalidError(ctx, detail, err);
  if (DENIED.has(code) || (status === 403 && !e.$retryable)) return new AwsAccessDeniedError(ctx, `${code}: ${detail}`, err);
  if (code === 'NoSuchBucket' && ctx.bucket) return new S3BucketMissingError({ ...ctx, bucket: ctx.bucket }, err);
  if (THROTTLING.has(code) || e.$retryable?.throttling || status === 429) return new AwsThrottledError(ctx, `${code}: ${detail}`, err);
  if (NETWORK.has(code) || (e.code !== undefined && NETWORK.has(e.code))) return new AwsEndpointUnreachableError(ctx, `${e.code ?? code}: ${detail}`, err);
  const retryable = e.$retryable !== undefined || e.$fault === 'server' || (status !== undefined && status >= 500);
  return new AwsServiceError(ctx, code, status, detail, retryable, err);
}

/** Runs one SDK call and turns its failure into the product's error for it. */
export async function awsCall<T>(ctx: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toAwsError(err, ctx);
  }
}

/** The service's error code of a raw SDK failure (for the few callers that branch on one). */
export function awsErrorCode(err: unknown): string | undefined {
  if (err instanceof AwsServiceError) return err.code;
  if (typeof err !== 'object' || err === null) return undefined;
  return (err as SdkErrorShape).name;
}

/** The HTTP status of a raw SDK failure, or of our wrapped one. */
export function awsErrorStatus(err: unknown): number | undefined {
  if (err instanceof AwsServiceError) return err.status;
  if (typeof err !== 'object' || err === null) return undefined;
  return (err as SdkErrorShape).$metadata?.httpStatusCode;
}
