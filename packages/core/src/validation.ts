import { z } from "zod";
import { SLUG_MAX_LENGTH, slugify } from "./slug";
import { ValidationError } from "./errors";

/**
 * The domain's input rules as zod schemas: the HTTP layer composes its request schemas from these,
 * and core parses with them again so no caller can bypass a rule.
 */
const NAME_MAX_CHARACTERS = 64;
const PASSWORD_MIN_BYTES = 8;
/** bcrypt reads at most 72 bytes: a longer password would be silently truncated, so it is refused. */
const PASSWORD_MAX_BYTES = 72;

const characterCount = (value: string): number => [...value].length;

/**
 * Slugs that could be mistaken for, or collide with, MongoDB's own namespaces (`admin`, `local`,
 * `config` databases; `system.*` collections) are refused. Nothing else MongoDB forbids in a
 * namespace (`$`, `.`, NUL, over-long names) can occur: slugs are `[a-z0-9_]{1,48}` and collections `org_<slug>`.
 */
export function isReservedSlug(slug: string): boolean {
  return slug === "admin" || slug === "local" || slug === "config" || slug.startsWith("system");
}

export const organizationNameSchema = z
  .string()
  .trim()
  .refine((name) => characterCount(name) >= 1, "must not be empty")
  .refine((name) => characterCount(name) <= NAME_MAX_CHARACTERS, `must be at most ${NAME_MAX_CHARACTERS} characters`)
  .refine((name) => slugify(name).length >= 1, "must contain at least one letter or digit")
  .refine(
    (name) => slugify(name).length <= SLUG_MAX_LENGTH,
    `must reduce to at most ${SLUG_MAX_LENGTH} letters, digits and separators`,
  )
  .refine((name) => !isReservedSlug(slugify(name)), "is reserved");

export const emailSchema = z
  .string()
  .trim()
  .max(254, "must be at most 254 characters")
  .pipe(z.email("must be a valid email address"))
  .transform((email) => email.toLowerCase());

export const passwordSchema = z
  .string()
  .refine((password) => Buffer.byteLength(password, "utf8") >= PASSWORD_MIN_BYTES, `must be at least ${PASSWORD_MIN_BYTES} bytes`)
  .refine((password) => Buffer.byteLength(password, "utf8") <= PASSWORD_MAX_BYTES, `must be at most ${PASSWORD_MAX_BYTES} bytes of UTF-8`);

/** Parse or throw a ValidationError listing every failing field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw validationErrorFrom(result.error);
}

export function validationErrorFrom(error: z.ZodError): ValidationError {
  return new ValidationError(
    error.issues.flatMap((issue) =>
      // An unknown field is reported at its own path, so clients see which field to drop.
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => ({ path: [...issue.path, key].join("."), message: "is not a known field" }))
        : [{ path: issue.path.join("."), message: issue.message }],
    ),
  );
}
