import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PassThrough, Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { jwtVerify, SignJWT } from "jose";
import { SIGNING_ALGORITHM, signingKeys } from "../auth/keys";
import { config } from "../config";
import { NotFoundError } from "../errors";
import { once } from "../once";

/**
 * Where archives are kept: the stage's S3 bucket when deployed (encrypted, private, expiring after
 * a week by the bucket's own rule), downloaded by presigned URL; locally a directory, downloaded
 * from the local server by a link it signs with the service's own key. Keys are
 * `<organization id>/<export id>.tar.gz`, made here from ids only, so no request names a path.
 */
export interface ArchiveStore {
  /** The bucket's lifecycle rule removes archives after their retention; a directory has none, and the reconciler does. */
  readonly expiresByItself: boolean;
  /** A stream to write the archive into; `done` resolves once it is stored (and rejects if it was not). */
  writer(key: string): { readonly stream: Writable; readonly done: Promise<void> };
  reader(key: string): Promise<Readable>;
  /** A URL that downloads the archive for `seconds`, with the file name `filename`. */
  downloadUrl(key: string, filename: string, seconds: number): Promise<string>;
  remove(key: string): Promise<void>;
}

/** How long a download link works. */
export const DOWNLOAD_LINK_SECONDS = 15 * 60;

export const archiveKey = (organizationId: string, exportId: string): string => `${organizationId}/${exportId}.tar.gz`;

const KEY = /^[0-9a-f]{24}\/[0-9a-f]{24}\.tar\.gz$/;

const store = once(async (): Promise<ArchiveStore> => {
  const { bucket, directory } = config().archives;
  if (bucket) return s3Store(bucket);
  return directoryStore(directory ?? (await temporaryDirectory.get()));
});

export function archiveStore(): Promise<ArchiveStore> {
  return store.get();
}

const temporaryDirectory = once(() => mkdtemp(join(tmpdir(), "org-service-archives-")));

/** Remove the temporary directory a local run kept its archives in, if it made one (server shutdown, tests). */
export async function removeTemporaryArchives(): Promise<void> {
  const made = temporaryDirectory.current();
  temporaryDirectory.reset();
  store.reset();
  if (made) await rm(await made, { recursive: true, force: true });
}

function directoryStore(root: string): ArchiveStore {
  const pathOf = (key: string) => {
    if (!KEY.test(key)) throw new NotFoundError("No such archive.");
    return join(root, key);
  };
  return {
    expiresByItself: false,
    writer(key) {
      const path = pathOf(key);
      // Written under a temporary name and renamed when complete: a reader never sees half an archive.
      const partial = `${path}.partial`;
      const stream = new PassThrough();
      const done = (async () => {
        await mkdir(dirname(path), { recursive: true });
        try {
          await pipeline(stream, createWriteStream(partial, { mode: 0o600 }));
          await rename(partial, path);
        } catch (error) {
          await rm(partial, { force: true });
          throw error;
        }
      })();
      return { stream, done };
    },
    async reader(key) {
      const file = createReadStream(pathOf(key));
      await new Promise<void>((resolve, reject) => {
        file.once("open", () => resolve());
        file.once("error", (error) => reject(new NotFoundError("The archive is no longer kept.", { cause: error })));
      });
      return file;
    },
    async downloadUrl(key, filename, seconds) {
      const token = await signDownloadToken(key, filename, seconds);
      return `${config().jwt.issuer}${LOCAL_DOWNLOAD_PATH}?token=${encodeURIComponent(token)}`;
    },
    async remove(key) {
      // And what a writer that died left of it.
      await Promise.all([rm(pathOf(key), { force: true }), rm(`${pathOf(key)}.partial`, { force: true })]);
    },
  };
}

/** The local server's download route (not an API route: it exists only where archives are kept in a directory). */
export const LOCAL_DOWNLOAD_PATH = "/local/archives/download";

const downloadAudience = () => `${config().jwt.issuer}${LOCAL_DOWNLOAD_PATH}`;

/** A link's token: signed with the service's key for the download path alone, so no access token passes for one, nor one for a token. */
async function signDownloadToken(key: string, filename: string, seconds: number): Promise<string> {
  const { current } = await signingKeys();
  return new SignJWT({ key, filename })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: current.kid, typ: "archive-download+jwt" })
    .setIssuer(config().jwt.issuer)
    .setAudience(downloadAudience())
    .setIssuedAt()
    .setExpirationTime(`${seconds}s`)
    .sign(current.privateKey);
}

/**
 * What a local download link's token allows: the archive it names and the file name to give it,
 * or a NotFoundError for a token that is forged, expired or for anything else.
 */
export async function openDownload(
  token: string,
): Promise<{ readonly stream: Readable; readonly filename: string; readonly key: string }> {
  let key: unknown;
  let filename: unknown;
  try {
    const { payload } = await jwtVerify(token, (await signingKeys()).verificationKeys, {
      algorithms: [SIGNING_ALGORITHM],
      issuer: config().jwt.issuer,
      audience: downloadAudience(),
      typ: "archive-download+jwt",
    });
    ({ key, filename } = payload);
  } catch (error) {
    throw new NotFoundError("This download link is not valid, or has expired.", { cause: error });
  }
  if (typeof key !== "string" || typeof filename !== "string" || !KEY.test(key)) {
    throw new NotFoundError("This download link is not valid, or has expired.");
  }
  return { stream: await (await archiveStore()).reader(key), filename, key };
}

/** The bucket, through the AWS SDK loaded on first use (only the functions that touch archives pay for it). */
function s3Store(bucket: string): ArchiveStore {
  const sdk = once(async () => {
    const [{ S3Client, GetObjectCommand, DeleteObjectCommand }, { Upload }, { getSignedUrl }] = await Promise.all([
      import("@aws-sdk/client-s3"),
      import("@aws-sdk/lib-storage"),
      import("@aws-sdk/s3-request-presigner"),
    ]);
    return { client: new S3Client({}), GetObjectCommand, DeleteObjectCommand, Upload, getSignedUrl };
  });
  const checked = (key: string) => {
    if (!KEY.test(key)) throw new NotFoundError("No such archive.");
    return key;
  };
  return {
    expiresByItself: true,
    writer(key) {
      const stream = new PassThrough();
      const done = (async () => {
        const { client, Upload } = await sdk.get();
        // Multipart, a part at a time: the archive streams to the bucket without being held whole.
        const upload = new Upload({
          client,
          params: { Bucket: bucket, Key: checked(key), Body: stream, ContentType: "application/gzip" },
          queueSize: 1,
        });
        await upload.done();
      })();
      return { stream, done };
    },
    async reader(key) {
      const { client, GetObjectCommand } = await sdk.get();
      try {
        const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: checked(key) }));
        if (!(Body instanceof Readable)) throw new Error("The archive's body is not a stream.");
        return Body;
      } catch (error) {
        if ((error as { name?: string }).name === "NoSuchKey") {
          throw new NotFoundError("The archive is no longer kept.", { cause: error });
        }
        throw error;
      }
    },
    async downloadUrl(key, filename, seconds) {
      const { client, GetObjectCommand, getSignedUrl } = await sdk.get();
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: checked(key),
        ResponseContentDisposition: `attachment; filename="${filename}"`,
      });
      return getSignedUrl(client, command, { expiresIn: seconds });
    },
    async remove(key) {
      const { client, DeleteObjectCommand } = await sdk.get();
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: checked(key) }));
    },
  };
}
