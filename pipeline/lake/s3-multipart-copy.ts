import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type CreateMultipartUploadCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { awsCall, type AwsCallContext } from '../aws/errors.ts';

export interface MultipartCopyRequest {
  bucket: string;
  sourceKey: string;
  key: string;
  size: number;
  /** The source version being copied: a part copy of any other version fails. */
  etag: string;
  partSize: number;
  /** What the new object carries (metadata, content type, encryption): a part copy copies bytes only. */
  create: Omit<CreateMultipartUploadCommandInput, 'Bucket' | 'Key'>;
  ctx: AwsCallContext;
  concurrency?: number;
}

/**
 * Copies an object larger than CopyObject allows (5 GiB) inside S3, part by part with
 * UploadPartCopy, each part with a SHA-256 checksum; the upload is aborted on any failure so no
 * half object and no billed orphan parts stay behind.
 */
export async function multipartCopy(s3: S3Client, req: MultipartCopyRequest): Promise<void> {
  const { bucket, key, ctx } = req;
  const created = await awsCall(ctx, () => s3.send(new CreateMultipartUploadCommand({ ...req.create, Bucket: bucket, Key: key, ChecksumAlgorithm: 'SHA256' })));
  const UploadId = created.UploadId!;
  try {
    const ranges: Array<{ PartNumber: number; range: string }> = [];
    for (let start = 0, n = 1; start < req.size; start += req.partSize, n++) {
      ranges.push({ PartNumber: n, range: `bytes=${start}-${Math.min(start + req.partSize, req.size) - 1}` });
    }
    const parts: CompletedPart[] = [];
    let next = 0;
    const worker = async () => {
      while (next < ranges.length) {
        const { PartNumber, range } = ranges[next++]!;
        const res = await awsCall(ctx, () =>
          s3.send(
            new UploadPartCopyCommand({
              Bucket: bucket,
              Key: key,
              UploadId,
              PartNumber,
              CopySource: copySource(bucket, req.sourceKey),
              CopySourceRange: range,
              CopySourceIfMatch: req.etag,
            }),
          ),
        );
        const r = res.CopyPartResult ?? {};
        parts.push({ PartNumber, ETag: r.ETag, ...(r.ChecksumSHA256 ? { ChecksumSHA256: r.ChecksumSHA256 } : {}) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(req.concurrency ?? 4, ranges.length) }, worker));
    parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await awsCall(ctx, () => s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } })));
  } catch (err) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => undefined);
    throw err;
  }
}

/** CopySource is `bucket/key`, URL-encoded except for the slashes. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
