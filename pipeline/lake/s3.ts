import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { awsCall, awsErrorCode, awsErrorStatus, toAwsError, type AwsCallContext } from '../aws/errors.ts';
import { KeyOutsideRootError } from './contained-path.ts';
import { DownloadCache, type DownloadCacheOptions } from './download-cache.ts';
import { copySource, multipartCopy } from './s3-multipart-copy.ts';
import { LakeObjectMissingError, type ConditionalWrites, type Lake, type LakeObject, type PutFileOptions } from './types.ts';

/** Encryption at rest of every object the lake writes. */
export type LakeEncryption = { kind: 'sse-s3' } | { kind: 'sse-kms'; kmsKeyId: string };

export interface S3LakeOptions {
  s3: S3Client;
  bucket: string;
  /** The lake's folder in the bucket (`claims/dev`); '' is the whole bucket. */
  prefix: string;
  encryption: LakeEncryption;
  /** Where `localPath` keeps its downloads, and how much it may hold. */
  cache: DownloadCacheOptions;
  /** The S3 endpoint override, if any (named in error messages). */
  endpoint?: string;
  /** Multipart upload part size (default 8 MiB; S3's minimum is 5 MiB). */
  partSizeBytes?: number;
  /** Parts uploaded at once (default 4): memory is about partSize × this. */
  uploadConcurrency?: number;
  /** Objects above this size are moved with UploadPartCopy (default 5 GiB, CopyObject's limit). */
  multipartCopyThresholdBytes?: number;
  /** Part size of a multipart copy (default 512 MiB). */
  copyPartSizeBytes?: number;
  /** Keys per ListObjectsV2 page (default and S3's maximum: 1000). */
  listPageSize?: number;
}

const MiB = 1024 ** 2;
const MIN_PART = 5 * MiB;
const DELETE_BATCH = 1000;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** The object metadata entry holding our own SHA-256 of the whole object (x-amz-meta-sha256). */
export const SHA256_METADATA = 'sha256';

const CONTENT_TYPES: Record<string, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  parquet: 'application/vnd.apache.parquet',
  txt: 'text/plain; charset=utf-8',
};

function contentType(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** A lake setting the S3 lake cannot work with; names the key. */
export class S3LakeSettingsError extends Error {
  constructor(key: string, detail: string) {
    super(`S3 lake setting ${key}: ${detail}`);
    this.name = 'S3LakeSettingsError';
  }
}

/**
 * The lake on `s3://<bucket>/<prefix>/`. Keys stay inside the prefix; uploads are multipart with
 * an S3 SHA-256 checksum on every part, and carry our own SHA-256 of the whole file in their
 * metadata (S3's multipart checksum is a checksum of the parts, not of the file); every write is
 * encrypted at rest as the profile says.
 */
export class S3Lake implements Lake, ConditionalWrites {
  readonly root: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly s3: S3Client;
  private readonly encryption: LakeEncryption;
  private readonly cache: DownloadCache;
  private readonly endpoint: string | undefined;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly copyThreshold: number;
  private readonly copyPartSize: number;
  private readonly listPageSize: number;

  constructor(opts: S3LakeOptions) {
    if (!BUCKET.test(opts.bucket)) throw new S3LakeSettingsError('bucket', `"${opts.bucket}" is not an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens).`);
    const prefix = opts.prefix.replace(/^\/+|\/+$/g, '');
    if (prefix && !validPath(prefix)) throw new S3LakeSettingsError('prefix', `"${opts.prefix}" must be a plain folder path (no "..", ".", empty segments, backslashes or NUL).`);
    if (opts.encryption.kind === 'sse-kms' && !opts.encryption.kmsKeyId.trim()) throw new S3LakeSettingsError('encryption.kms_key_id', 'SSE-KMS needs a KMS key id, ARN or alias.');
    this.s3 = opts.s3;
    this.bucket = opts.bucket;
    this.prefix = prefix;
    this.root = `s3://${opts.bucket}/${prefix ? `${prefix}/` : ''}`;
    this.encryption = opts.encryption;
    this.cache = new DownloadCache(opts.cache);
    this.endpoint = opts.endpoint;
    this.partSize = opts.partSizeBytes ?? 8 * MiB;
    this.queueSize = opts.uploadConcurrency ?? 4;
    this.copyThreshold = opts.multipartCopyThresholdBytes ?? 5 * 1024 ** 3;
    this.copyPartSize = opts.copyPartSizeBytes ?? 512 * MiB;
    this.listPageSize = opts.listPageSize ?? 1000;
    if (this.partSize < MIN_PART) throw new S3LakeSettingsError('part_size', `must be at least 5 MiB (S3's minimum part size), got ${this.partSize} bytes.`);
    if (this.copyPartSize < MIN_PART) throw new S3LakeSettingsError('copy_part_size', `must be at least 5 MiB, got ${this.copyPartSize} bytes.`);
  }

  /** The bucket key of a lake key, refused when it would leave the prefix. */
  private objectKey(key: string): string {
    if (!key || key.endsWith('/') || !validPath(key)) throw new KeyOutsideRootError(key, this.root);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /** The bucket prefix of a lake prefix ('' or ending in '/' for a folder, or a name start). */
  private objectPrefix(prefix: string): string {
    const body = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    if (body && !validPath(body)) throw new KeyOutsideRootError(prefix, this.root);
    const base = this.prefix ? `${this.prefix}/` : '';
    return `${base}${prefix}`;
  }

  /** The call context of `action` on a lake key (or, for a prefix, `${root}${prefix}`). */
  private ctx(action: string, resource: string): AwsCallContext {
    return { action, resource, bucket: this.bucket, ...(this.endpoint ? { endpoint: this.endpoint } : {}) };
  }

  private sse() {
    return this.encryption.kind === 'sse-kms'
      ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.encryption.kmsKeyId, BucketKeyEnabled: true }
      : { ServerSideEncryption: 'AES256' as const };
  }

  uri(key: string): string {
    this.objectKey(key);
    return `${this.root}${key}`;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== null;
  }

  private async head(key: string) {
    const Key = this.objectKey(key);
    try {
      return await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if (awsErrorStatus(err) === 404) return null;
      throw toAwsError(err, this.ctx('s3:GetObject', `${this.root}${key}`));
    }
  }

  async putFile(key: string, localPath: string, opts: PutFileOptions = {}): Promise<void> {
    const Key = this.objectKey(key);
    const sha256 = opts.sha256 ?? (await sha256OfFile(localPath));
    const upload = new Upload({
      client: this.s3,
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key,
        Body: createReadStream(localPath),
        ContentType: contentType(key),
        ChecksumAlgorithm: 'SHA256',
        Metadata: { [SHA256_METADATA]: sha256 },
        ...this.sse(),
      },
    });
    await awsCall(this.ctx('s3:PutObject', `${this.root}${key}`), () => upload.done());
  }

  async putText(key: string, text: string): Promise<void> {
    const Key = this.objectKey(key);
    const body = Buffer.from(text, 'utf8');
    await awsCall(this.ctx('s3:PutObject', `${this.root}${key}`), () =>
      this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: body,
          ContentType: contentType(key),
          ChecksumAlgorithm: 'SHA256',
          Metadata: { [SHA256_METADATA]: createHash('sha256').update(body).digest('hex') },
          ...this.sse(),
        }),
      ),
    );
  }

  async getText(key: string): Promise<string | null> {
    return (await this.getTextWithTag(key))?.text ?? null;
  }

  private async getTextWithTag(key: string): Promise<{ text: string; etag: string } | null> {
    const Key = this.objectKey(key);
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      return { text: (await res.Body?.transformToString('utf8')) ?? '', etag: res.ETag ?? '' };
    } catch (err) {
      if (awsErrorCode(err) === 'NoSuchKey') return null;
      throw toAwsError(err, this.ctx('s3:GetObject', `${this.root}${key}`));
    }
  }

  async readHead(key: string, maxBytes: number): Promise<string> {
    const Key = this.objectKey(key);
    if (maxBytes <= 0) return '';
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range: `bytes=0-${maxBytes - 1}` }));
      return (await res.Body?.transformToString('utf8')) ?? '';
    } catch (err) {
      if (awsErrorCode(err) === 'NoSuchKey') throw new LakeObjectMissingError(key, this.root);
      // an empty object has no byte 0: S3 answers 416
      if (awsErrorStatus(err) === 416) return '';
      throw toAwsError(err, this.ctx('s3:GetObject', `${this.root}${key}`));
    }
  }

  /** Every bucket key under a bucket prefix, with sizes. */
  private async listKeys(objectPrefix: string, forLake: string): Promise<Array<{ Key: string; Size: number }>> {
    const out: Array<{ Key: string; Size: number }> = [];
    let token: string | undefined;
    do {
      const page = await awsCall(this.ctx('s3:ListBucket', `${this.root}${forLake}`), () =>
        this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: objectPrefix, MaxKeys: this.listPageSize, ...(token ? { ContinuationToken: token } : {}) })),
      );
      for (const o of page.Contents ?? []) if (o.Key) out.push({ Key: o.Key, Size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async list(prefix: string): Promise<LakeObject[]> {
    const cut = this.prefix ? this.prefix.length + 1 : 0;
    const objects = await this.listKeys(this.objectPrefix(prefix), prefix);
    return objects
      .filter((o) => !o.Key.endsWith('/')) // folder markers made by consoles are not objects of the lake
      .map((o) => ({ key: o.Key.slice(cut), size: o.Size }))
      .sort((a, b) => a.key.localeCompare(b.key));
  }

  async removePrefix(prefix: string): Promise<void> {
    // never the whole lake in one call: on a shared bucket that is everybody's data
    if (!prefix) throw new Error(`Removing everything in the lake ${this.root} at once is refused; remove its zones by their prefixes.`);
    const keys = (await this.listKeys(this.objectPrefix(prefix), prefix)).map((o) => o.Key);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const res = await awsCall(this.ctx('s3:DeleteObject', `${this.root}${prefix}`), () =>
        this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })),
      );
      const failed = res.Errors ?? [];
      if (failed.length) {
        // per-object failures come back as codes in a 200 answer: classify the first like a failed call
        const first = failed[0]!;
        const detail = `${first.Message ?? 'not deleted'} (${failed.length} of ${batch.length} objects not deleted, e.g. s3://${this.bucket}/${first.Key ?? ''})`;
        throw toAwsError({ name: first.Code ?? 'DeleteFailed', message: detail, $metadata: {} }, this.ctx('s3:DeleteObject', `${this.root}${prefix}`));
      }
    }
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.objectKey(from);
    const Key = this.objectKey(to);
    const head = await this.head(from);
    if (!head) throw new LakeObjectMissingError(from, this.root);
    const size = head.ContentLength ?? 0;
    const ctx = this.ctx('s3:PutObject', `${this.root}${to}`);
    if (size > this.copyThreshold) {
      await multipartCopy(this.s3, {
        bucket: this.bucket,
        sourceKey: source,
        key: Key,
        size,
        etag: head.ETag ?? '',
        partSize: this.copyPartSize,
        create: { ContentType: head.ContentType, Metadata: head.Metadata ?? {}, ...this.sse() },
        ctx,
      });
    } else {
      await awsCall(ctx, () =>
        this.s3.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key,
            CopySource: copySource(this.bucket, source),
            CopySourceIfMatch: head.ETag,
            MetadataDirective: 'COPY',
            ChecksumAlgorithm: 'SHA256',
            ...this.sse(),
          }),
        ),
      );
    }
    await awsCall(this.ctx('s3:DeleteObject', `${this.root}${from}`), () => this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: source })));
  }

  async localPath(key: string): Promise<string> {
    const Key = this.objectKey(key);
    for (let attempt = 1; ; attempt++) {
      const head = await this.head(key);
      if (!head) throw new LakeObjectMissingError(key, this.root);
      const etag = head.ETag ?? '';
      try {
        return await this.cache.file(key, this.uri(key), { etag, size: head.ContentLength ?? 0 }, async (tmp) => {
          const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key, IfMatch: etag }));
          await pipeline(res.Body as Readable, createWriteStream(tmp));
        });
      } catch (err) {
        // the object changed between HEAD and GET: look again once
        if (attempt < 2 && (awsErrorStatus(err) === 412 || awsErrorCode(err) === 'NoSuchKey')) continue;
        throw toAwsError(err, this.ctx('s3:GetObject', `${this.root}${key}`));
      }
    }
  }

  localRoots(): string[] {
    return [this.cache.objectsDir];
  }

  // Conditional writes (the lake lock): S3 compares and writes in one request.

  async createIfAbsent(key: string, text: string): Promise<{ etag: string } | null> {
    return this.conditionalPut(key, text, { IfNoneMatch: '*' });
  }

  async replaceIfMatch(key: string, text: string, etag: string): Promise<{ etag: string } | null> {
    return this.conditionalPut(key, text, { IfMatch: etag });
  }

  private async conditionalPut(key: string, text: string, condition: { IfNoneMatch: string } | { IfMatch: string }): Promise<{ etag: string } | null> {
    const Key = this.objectKey(key);
    const body = Buffer.from(text, 'utf8');
    try {
      const res = await this.s3.send(
        new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentType: contentType(key), ChecksumAlgorithm: 'SHA256', ...condition, ...this.sse() }),
      );
      return { etag: res.ETag ?? '' };
    } catch (err) {
      // 412: the condition does not hold; 409: another conditional write to the key won the race;
      // 404: If-Match on a key that is gone
      const status = awsErrorStatus(err);
      if (status === 412 || status === 409 || (status === 404 && awsErrorCode(err) === 'NoSuchKey')) return null;
      throw toAwsError(err, this.ctx('s3:PutObject', `${this.root}${key}`));
    }
  }

  async readWithTag(key: string): Promise<{ text: string; etag: string } | null> {
    return this.getTextWithTag(key);
  }

  async deleteIfMatch(key: string, etag: string): Promise<boolean> {
    const Key = this.objectKey(key);
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key, IfMatch: etag }));
      return true;
    } catch (err) {
      const status = awsErrorStatus(err);
      if (status === 412 || status === 409 || status === 404) return false;
      throw toAwsError(err, this.ctx('s3:DeleteObject', `${this.root}${key}`));
    }
  }
}

/** A key path: no empty, "." or ".." segment, not absolute, no backslash or NUL. */
function validPath(path: string): boolean {
  if (path.includes('\0') || path.includes('\\') || path.startsWith('/')) return false;
  return path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}
