/**
 * Organizations' archives (exports, and the restores made from them): the stage's bucket, and the
 * export function that writes an archive into it — invoked asynchronously (`{"export_id": "…"}`)
 * by the function that answered `POST …/exports` (packages/functions/src/deployment/start-export.ts).
 *
 * The bucket is private, encrypted, reachable over TLS only, and keeps an archive
 * {@link ARCHIVE_RETENTION_DAYS} days: its lifecycle rule removes them, core never does. Only the
 * export function may write to it; the archive routes read (presigned downloads, restores) with
 * roles that may only `s3:GetObject` (infra/functions.ts, PERMISSIONS_BY_CAPABILITY).
 */
import { ARCHIVE_RETENTION_DAYS } from "@org-service/core";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { BlockPublicAccess, Bucket, BucketEncryption } from "aws-cdk-lib/aws-s3";
import { Function as SstFunction, type FunctionProps, type Stack } from "sst/constructs";
import { JOBS_SOURCE_DIR } from "./functions";
import type { Secrets } from "./secrets";

export const EXPORTER_HANDLER = `${JOBS_SOURCE_DIR}/run-export.handler`;
/** Lambda's longest: a large tenant's documents, read in batches, compressed and uploaded. */
export const EXPORTER_TIMEOUT_SECONDS = 900;
/** Memory buys the CPU that compresses the archive. */
export const EXPORTER_MEMORY_MB = 1024;
/** The export spools the archive's parts to /tmp before uploading them. */
export const EXPORTER_DISK_MB = 2048;
/** A multipart upload the export function left unfinished (it died mid-upload) is aborted after this. */
export const ABORT_INCOMPLETE_UPLOADS_DAYS = 1;
/**
 * What the export function may do in the bucket, on its objects only: write one, in one request or
 * in parts (CreateMultipartUpload, UploadPart and CompleteMultipartUpload are all `s3:PutObject`),
 * abort the upload, and delete its own partial archive when the export fails. It reads nothing.
 */
export const EXPORTER_BUCKET_ACTIONS = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"] as const;

export interface Archives {
  readonly bucket: Bucket;
  readonly exporter: SstFunction;
}

export function addArchives(
  stack: Stack,
  options: {
    secrets: Secrets;
    defaults: FunctionProps;
    environment: Record<string, string>;
    /** The stage's (infra/stage.ts, removalPolicyFor). */
    removalPolicy: "retain" | "destroy";
  },
): Archives {
  const destroy = options.removalPolicy === "destroy";
  const bucket = new Bucket(stack, "Archives", {
    encryption: BucketEncryption.S3_MANAGED,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: false,
    lifecycleRules: [
      {
        id: "expire-archives",
        expiration: Duration.days(ARCHIVE_RETENTION_DAYS),
        abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOADS_DAYS),
      },
    ],
    removalPolicy: destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    // A disposable stage's bucket is emptied when it is removed, or `sst remove` would fail on the
    // archives of its last week. CDK does it with a custom resource (three resources: the custom
    // resource, its function and its role, which the bucket's policy lets list and delete objects,
    // and which runs only when the bucket leaves the stack); the API stack has room for them
    // (infra/test/dev.test.ts). SST would add it anyway on a stage whose default removal policy is
    // `destroy` (infra/stage.ts, applyRemovalPolicy); production keeps its bucket and has none.
    autoDeleteObjects: destroy,
  });
  const exporter = new SstFunction(stack, "Exporter", {
    ...options.defaults,
    handler: EXPORTER_HANDLER,
    memorySize: EXPORTER_MEMORY_MB,
    timeout: EXPORTER_TIMEOUT_SECONDS,
    diskSize: EXPORTER_DISK_MB,
    environment: { ...options.defaults.environment, ...options.environment, EXPORTS_BUCKET: bucket.bucketName },
    // The signing key: an archive's manifest is signed with the service's key (archives/signature.ts).
    bind: [
      options.secrets.MONGODB_URI,
      options.secrets.TENANT_CELLS,
      options.secrets.JWT_PRIVATE_KEY,
      options.secrets.JWT_PREVIOUS_KEY,
    ],
  });
  exporter.attachPermissions([
    new PolicyStatement({ actions: [...EXPORTER_BUCKET_ACTIONS], resources: [bucket.arnForObjects("*")] }),
  ]);
  return { bucket, exporter };
}
