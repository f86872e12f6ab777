/** Bucket operations: lifecycle, location, versioning, notifications and configuration documents. */
import { AwsError } from '../../../core/types';
import { childElement, childElements, childText, el, localName, optionalEl } from '../../../core/xml';
import { malformedXml } from '../errors';
import { parseMaxKeys } from '../listing';
import { parseBodyXml } from '../request-parsing';
import { accessControlPolicyXml, bucketXml, emptyResponse, ownerXml, xmlResponse } from '../responses';
import { BUCKET_DOCUMENTS, type BucketDocumentKind } from '../bucket-documents';
import { parseLifecycleConfiguration } from '../lifecycle';
import type { OperationTable, S3Services } from './context';

function documentKind(document: string | undefined): [string, BucketDocumentKind] {
  const kind = document === undefined ? undefined : BUCKET_DOCUMENTS[document];
  if (!kind || document === undefined) throw new AwsError('NotImplemented', `Unknown bucket sub-resource ${document}`, 501);
  return [document, kind];
}

export function bucketOperations({ objects, logger }: S3Services) {
  return {
    ListBuckets: async ({ request }) => {
      const prefix = request.query.get('prefix') ?? '';
      const region = request.query.get('bucket-region');
      const after = request.query.get('continuation-token');
      const maxBuckets = parseMaxKeys(request.query.get('max-buckets'), 10_000);
      const matching = objects
        .listBuckets()
        .filter((bucket) => bucket.name.startsWith(prefix) && (region === null || bucket.region === region))
        .filter((bucket) => after === null || bucket.name > after);
      const page = matching.slice(0, maxBuckets);
      const truncated = matching.length > page.length;
      return xmlResponse(
        el('ListAllMyBucketsResult', [
          ownerXml(request.accountId),
          el('Buckets', page.map(bucketXml)),
          optionalEl('Prefix', request.query.get('prefix')),
          truncated ? el('ContinuationToken', page[page.length - 1]?.name ?? '') : undefined,
        ]),
      );
    },

    CreateBucket: async ({ request, bucket }) => {
      let region = request.region;
      if (request.body.length > 0) {
        const constraint = childText(parseBodyXml(request, 'CreateBucketConfiguration'), 'LocationConstraint');
        if (constraint === 'us-east-1') {
          throw new AwsError('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, {
            LocationConstraint: constraint,
          });
        }
        if (constraint) region = constraint;
      }
      await objects.createBucket(bucket, region);
      return emptyResponse(200, { location: `/${bucket}` });
    },

    HeadBucket: async ({ bucket }) => {
      const config = objects.bucketConfig(bucket);
      return emptyResponse(200, { 'x-amz-bucket-region': config.region, 'x-amz-access-point-alias': 'false' });
    },

    DeleteBucket: async ({ bucket }) => {
      await objects.deleteBucket(bucket);
      return emptyResponse(204);
    },

    GetBucketLocation: async ({ bucket }) => {
      const region = objects.bucketConfig(bucket).region;
      return xmlResponse(el('LocationConstraint', region === 'us-east-1' ? undefined : region));
    },

    GetBucketVersioning: async ({ bucket }) => {
      const status = objects.bucketConfig(bucket).versioning;
      return xmlResponse(el('VersioningConfiguration', optionalEl('Status', status)));
    },

    PutBucketVersioning: async ({ request, bucket }) => {
      objects.bucketConfig(bucket);
      const status = childText(parseBodyXml(request, 'VersioningConfiguration'), 'Status');
      if (status !== undefined && status !== 'Enabled' && status !== 'Suspended') throw malformedXml();
      // A bucket never returns to unversioned: a document without Status changes nothing.
      if (status !== undefined) {
        await objects.updateBucketConfig(bucket, (config) => {
          config.versioning = status;
        });
      }
      return emptyResponse(200);
    },

    GetBucketNotificationConfiguration: async ({ bucket }) => {
      const stored = objects.bucketConfig(bucket).notificationXml;
      if (stored === undefined) return xmlResponse(el('NotificationConfiguration'));
      return { status: 200, headers: { 'content-type': 'application/xml' }, body: stored };
    },

    PutBucketNotificationConfiguration: async ({ request, bucket }) => {
      objects.bucketConfig(bucket);
      const root = parseBodyXml(request, 'NotificationConfiguration');
      const eventBridge = childElement(root, 'EventBridgeConfiguration') !== undefined;
      const undelivered = childElements(root)
        .map(localName)
        .filter((name) => name !== 'EventBridgeConfiguration');
      if (undelivered.length > 0) {
        logger.warn('bucket notification destinations other than EventBridge are stored but not delivered', {
          bucket,
          destinations: undelivered,
        });
      }
      await objects.updateBucketConfig(bucket, (config) => {
        config.eventBridgeEnabled = eventBridge;
        config.notificationXml = request.body.toString('utf8');
      });
      return emptyResponse(200);
    },

    GetBucketAcl: async ({ request, bucket }) => {
      objects.bucketConfig(bucket);
      return xmlResponse(accessControlPolicyXml(request.accountId));
    },

    PutBucketAcl: async ({ bucket }) => {
      objects.bucketConfig(bucket);
      return emptyResponse(200);
    },

    GetBucketDocument: async ({ bucket, document }) => {
      const [name, kind] = documentKind(document);
      const stored = objects.bucketConfig(bucket).documents[name];
      const contentType = kind.format === 'json' ? 'application/json' : 'application/xml';
      if (stored !== undefined) return { status: 200, headers: { 'content-type': contentType }, body: stored };
      if ('error' in kind.whenUnset) {
        const [code, message] = kind.whenUnset.error;
        throw new AwsError(code, message, 404, { BucketName: bucket });
      }
      return { status: 200, headers: { 'content-type': contentType }, body: kind.whenUnset.document };
    },

    PutBucketDocument: async ({ request, bucket, document }) => {
      const [name, kind] = documentKind(document);
      objects.bucketConfig(bucket);
      const text = request.body.toString('utf8');
      if (kind.format === 'json') {
        try {
          JSON.parse(text);
        } catch {
          throw new AwsError('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'", 400);
        }
      } else if (name === 'lifecycle') {
        parseLifecycleConfiguration(text); // refused as S3 refuses it; applied by the lifecycle engine
      } else {
        parseBodyXml(request);
      }
      await objects.updateBucketConfig(bucket, (config) => {
        config.documents[name] = text;
      });
      return emptyResponse(name === 'policy' || name === 'tagging' ? 204 : 200);
    },

    DeleteBucketDocument: async ({ bucket, document }) => {
      const [name] = documentKind(document);
      await objects.updateBucketConfig(bucket, (config) => {
        delete config.documents[name];
      });
      return emptyResponse(204);
    },
  } satisfies OperationTable;
}
