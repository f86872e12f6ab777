import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { findObject, isPreconditionFailed, listObjects, PREFIXES, readText } from '@pipeline/shared';
import { contentClaimKey, isLabeledDataKey, unquoteEtag } from './drop-keys';

/**
 * What the corpus holds, by content: a drop whose bytes a kept drop has already (under any name) is nothing new.
 * Content is told by its MD5: a single-part upload's ETag is that MD5; a multipart one's is not, so its bytes are
 * hashed. The first drop of a content claims it (a conditional write of `index/content/<md5>.json`), so two drops of
 * the same bytes at once cannot both be kept.
 */

/** A drop as a claim names it: a retry of the same drop finds its own claim, a later drop of the same file does not. */
export interface ContentOwner {
  sourceKey: string;
  sourceEtag: string;
  /** When it was dropped (S3's LastModified of the incoming object), ISO 8601. */
  droppedAt: string;
  labeledKey: string;
}

const PLAIN_MD5 = /^[0-9a-f]{32}$/;

/** The MD5 of the object's bytes: its ETag when that is one, else hashed from the object. */
export async function contentMd5(s3: S3Client, bucket: string, key: string, etag: string): Promise<string> {
  const plain = unquoteEtag(etag);
  if (PLAIN_MD5.test(plain)) return plain;
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag }));
  const hash = createHash('md5');
  for await (const chunk of object.Body as Readable) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const sameDrop = (a: Omit<ContentOwner, 'labeledKey'>, b: Omit<ContentOwner, 'labeledKey'>): boolean =>
  a.sourceKey === b.sourceKey && unquoteEtag(a.sourceEtag) === unquoteEtag(b.sourceEtag) && a.droppedAt === b.droppedAt;

/**
 * The labeled/ copy of another drop that holds this content, or undefined. Claims answer for every drop kept since
 * they exist; a data file kept before them is found by its ETag in a listing of labeled/.
 */
export async function heldCopy(s3: S3Client, bucket: string, md5: string, me: Omit<ContentOwner, 'labeledKey'>): Promise<string | undefined> {
  const claim = await readClaim(s3, bucket, md5);
  if (claim) return sameDrop(claim, me) ? undefined : claim.labeledKey;
  const etags = new Set([md5, unquoteEtag(me.sourceEtag)]);
  const kept = (await listObjects(s3, bucket, PREFIXES.labeled)).find(
    (object) => isLabeledDataKey(object.key) && etags.has(unquoteEtag(object.etag)),
  );
  return kept?.key;
}

/** Claims the content for this drop. Returns the labeled/ copy of the drop that claimed it first when that is another drop. */
export async function claimContent(s3: S3Client, bucket: string, md5: string, owner: ContentOwner): Promise<string | undefined> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: contentClaimKey(md5),
        IfNoneMatch: '*',
        Body: JSON.stringify(owner),
        ContentType: 'application/json',
      }),
    );
    return undefined;
  } catch (error) {
    if (!isPreconditionFailed(error)) throw error;
  }
  const claim = await readClaim(s3, bucket, md5);
  if (!claim) throw new Error(`the claim on content ${md5} exists and then does not`);
  return sameDrop(claim, owner) ? undefined : claim.labeledKey;
}

async function readClaim(s3: S3Client, bucket: string, md5: string): Promise<ContentOwner | undefined> {
  const key = contentClaimKey(md5);
  if (!(await findObject(s3, bucket, key))) return undefined;
  return JSON.parse(await readText(s3, bucket, key)) as ContentOwner;
}
