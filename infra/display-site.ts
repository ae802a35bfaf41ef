import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { CloudfrontDistribution } from '@cdktf/provider-aws/lib/cloudfront-distribution';
import { CloudfrontFunction } from '@cdktf/provider-aws/lib/cloudfront-function';
import { CloudfrontOriginAccessControl } from '@cdktf/provider-aws/lib/cloudfront-origin-access-control';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { policyDocument } from './policy';
import { CONTENT_TYPES } from '../common/content-types';

/** Where the page lives: the display is built for `/display/` (display/vite.config.ts `base`), as `pulsepet up` serves it. */
export const DISPLAY_PREFIX = 'display/';

/** CloudFront's managed cache policies (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html). */
export const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
export const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';

/**
 * `/display/` → `/display/index.html` (S3 behind an origin access control has no index
 * documents), and `/` → a redirect to `/display/`. CloudFront Functions runtime 2.0.
 */
const INDEX_FUNCTION = `function handler(event) {
  var request = event.request;
  if (request.uri === '/') {
    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/${DISPLAY_PREFIX}' } } };
  }
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  return request;
}`;

export interface DisplaySiteProps {
  bucketName: string;
  functionName: string;
  /** the built display; undefined: only the runtime config is uploaded */
  distDir: string | undefined;
  /** the runtime config (config.json) written next to the page */
  runtimeConfig: string;
}

/**
 * The built display in a private, encrypted S3 bucket, served by CloudFront through an
 * origin access control (only this distribution may read the bucket), with its runtime
 * config beside it. Hashed files under assets/ are cached; config.json never is.
 */
export class DisplaySite extends Construct {
  readonly bucket: S3Bucket;
  readonly distribution: CloudfrontDistribution;
  readonly files: S3Object[] = [];

  constructor(scope: Construct, id: string, props: DisplaySiteProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: true });
    new S3BucketPublicAccessBlock(this, 'no-public-access', { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    new S3BucketOwnershipControls(this, 'owner-enforced', { bucket: this.bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }],
    });
    this.distribution = this.cdn(props.functionName);
    new S3BucketPolicy(this, 'cloudfront-reads', {
      bucket: this.bucket.id,
      policy: policyDocument([
        {
          Sid: 'CloudFrontReadsThroughOriginAccessControl',
          Effect: 'Allow',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: 's3:GetObject',
          Resource: `${this.bucket.arn}/*`,
          Condition: { StringEquals: { 'AWS:SourceArn': this.distribution.arn } },
        },
      ]),
    });
    if (props.distDir !== undefined) this.upload(props.distDir);
    this.files.push(
      new S3Object(this, 'runtime-config', {
        bucket: this.bucket.id,
        key: `${DISPLAY_PREFIX}config.json`,
        content: props.runtimeConfig,
        contentType: 'application/json',
        cacheControl: 'no-cache',
      }),
    );
  }

  private cdn(functionName: string): CloudfrontDistribution {
    const oac = new CloudfrontOriginAccessControl(this, 'oac', {
      name: this.bucket.bucket,
      description: 'CloudFront reads the display bucket with SigV4',
      originAccessControlOriginType: 's3',
      signingBehavior: 'always',
      signingProtocol: 'sigv4',
    });
    const index = new CloudfrontFunction(this, 'index', { name: functionName, runtime: 'cloudfront-js-2.0', code: INDEX_FUNCTION, publish: true, comment: '/display/ → index.html' });
    const behavior = { allowedMethods: ['GET', 'HEAD'], cachedMethods: ['GET', 'HEAD'], targetOriginId: 'display', viewerProtocolPolicy: 'redirect-to-https', compress: true };
    return new CloudfrontDistribution(this, 'cdn', {
      enabled: true,
      comment: 'pulsepet display',
      httpVersion: 'http2and3',
      priceClass: 'PriceClass_100',
      origin: [{ originId: 'display', domainName: this.bucket.bucketRegionalDomainName, originAccessControlId: oac.id }],
      defaultCacheBehavior: { ...behavior, cachePolicyId: CACHING_OPTIMIZED, functionAssociation: [{ eventType: 'viewer-request', functionArn: index.arn }] },
      orderedCacheBehavior: [{ ...behavior, pathPattern: `${DISPLAY_PREFIX}config.json`, cachePolicyId: CACHING_DISABLED }],
      restrictions: { geoRestriction: { restrictionType: 'none' } },
      viewerCertificate: { cloudfrontDefaultCertificate: true },
    });
  }

  /** One object per file of the built display (each an asset of cdktf's output, so a changed file changes its hash). */
  private upload(distDir: string): void {
    const root = resolve(distDir);
    if (!existsSync(join(root, 'index.html'))) throw new Error(`${distDir} holds no index.html: build the display first (npm run build:display)`);
    for (const file of filesUnder(root)) {
      const key = relative(root, file).split(sep).join('/');
      if (key === 'config.json') continue; // written from the deployment below
      const asset = new TerraformAsset(this, `file-${key}`, { path: file, type: AssetType.FILE });
      this.files.push(
        new S3Object(this, `object-${key}`, {
          bucket: this.bucket.id,
          key: `${DISPLAY_PREFIX}${key}`,
          source: asset.path,
          sourceHash: asset.assetHash,
          contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
          cacheControl: key.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        }),
      );
    }
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? filesUnder(p) : [p];
    });
}
