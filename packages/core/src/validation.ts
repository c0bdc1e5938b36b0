// zod/mini, not classic zod: its functions tree-shake, so a Lambda bundle carries only the validators it uses.
import { en } from "zod/locales";
import * as z from "zod/mini";
import { SLUG_MAX_LENGTH, slugify } from "./slug";
import { ValidationError } from "./errors";

/**
 * The domain's input rules as zod schemas: the HTTP layer composes its request schemas from these,
 * and core parses with them again so no caller can bypass a rule.
 */
const NAME_MAX_CHARACTERS = 64;
/** The service's own floor for a password: an organization may ask for more (policies/), never less. */
export const PASSWORD_MIN_BYTES = 8;
/** bcrypt reads at most 72 bytes: a longer password would be silently truncated, so it is refused. */
export const PASSWORD_MAX_BYTES = 72;

// Classic zod installs English messages on import, mini none ("Invalid input" for everything): keep
// the messages clients see for type and format errors ("Invalid input: expected string, received number").
z.config(en());

const characterCount = (value: string): number => [...value].length;

/**
 * Slugs that could be mistaken for, or collide with, MongoDB's own namespaces (`admin`, `local`,
 * `config` databases; `system.*` collections) are refused. Nothing else MongoDB forbids in a
 * namespace (`$`, `.`, NUL, over-long names) can occur: slugs are `[a-z0-9_]{1,48}` and collections `org_<slug>`.
 */
export function isReservedSlug(slug: string): boolean {
  return slug === "admin" || slug === "local" || slug === "config" || slug.startsWith("system");
}

export const organizationNameSchema = z.string().check(
  z.trim(),
  z.refine<string>((name) => characterCount(name) >= 1, "must not be empty"),
  z.refine<string>(
    (name) => characterCount(name) <= NAME_MAX_CHARACTERS,
    `must be at most ${NAME_MAX_CHARACTERS} characters`,
  ),
  z.refine<string>((name) => slugify(name).length >= 1, "must contain at least one letter or digit"),
  z.refine<string>(
    (name) => slugify(name).length <= SLUG_MAX_LENGTH,
    `must reduce to at most ${SLUG_MAX_LENGTH} letters, digits and separators`,
  ),
  z.refine<string>((name) => !isReservedSlug(slugify(name)), "is reserved"),
  // A name is shown in mail and pages: a line break or a control character in it could forge lines.
  z.refine<string>(
    (name) => !hasControlCharacter(name) && !/[\u0085\u2028\u2029]/.test(name),
    "must not contain control characters or line breaks",
  ),
);

export const emailSchema = z.pipe(
  z.pipe(
    z.string().check(z.trim(), z.maxLength(254, "must be at most 254 characters")),
    z.email("must be a valid email address"),
  ),
  z.transform((email: string) => email.toLowerCase()),
);

/**
 * Whether a text holds a control character: C0 (U+0000–U+001F) or DEL (U+007F). No password may.
 *
 * bcrypt takes its key as a NUL-terminated string and repeats it, terminator included, to fill 72
 * bytes, so NULs collapse into one another: with bcryptjs the hash of eight NULs matches "\u0000"
 * and "" too, and a password with a NUL inside is only as strong as the cycle of bytes around it.
 * The other C0 characters and DEL hash like any byte, but no keyboard types one into a password
 * field: they arrive by mistake (a pasted line break or escape sequence, a tab from a form), and
 * then they are invisible to whoever has to type the password again. C1 controls (U+0080–U+009F)
 * are two bytes of UTF-8 without a NUL, and stay allowed with the rest of Unicode.
 */
export function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code <= 0x1f || code === 0x7f) return true;
  }
  return false;
}

export const passwordSchema = z.string().check(
  z.refine<string>(
    (password) => Buffer.byteLength(password, "utf8") >= PASSWORD_MIN_BYTES,
    `must be at least ${PASSWORD_MIN_BYTES} bytes`,
  ),
  z.refine<string>(
    (password) => Buffer.byteLength(password, "utf8") <= PASSWORD_MAX_BYTES,
    `must be at most ${PASSWORD_MAX_BYTES} bytes of UTF-8`,
  ),
  z.refine<string>(
    (password) => !hasControlCharacter(password),
    "must not contain control characters (U+0000–U+001F, U+007F)",
  ),
);

/**
 * A token or secret as a caller presents it (an invitation's, a refresh token, a mailed link's):
 * never empty, never longer than any the service issues. Whether it is the right one is for its
 * check to say; `what` names it in the message (`is not a refresh token`).
 */
export const presentedTokenSchema = (what: string) =>
  z.string().check(z.minLength(1, "must not be empty"), z.maxLength(512, `is not ${what}`));

/** Parse or throw a ValidationError listing every failing field. */
export function parseInput<T extends z.core.$ZodType>(schema: T, input: unknown): z.output<T> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  throw validationErrorFrom(result.error);
}

export function validationErrorFrom(error: z.core.$ZodError): ValidationError {
  return new ValidationError(
    error.issues.flatMap((issue) =>
      // An unknown field is reported at its own path, so clients see which field to drop.
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => ({ path: [...issue.path, key].join("."), message: "is not a known field" }))
        : [{ path: issue.path.join("."), message: issue.message }],
    ),
  );
}

/**
 * "At least one of these fields", stated once for every schema that needs it (core's inputs and
 * the HTTP bodies), each naming its own fields: the message lists them as the caller spells them.
 */
export function atLeastOneOf<T extends object>(fields: readonly [keyof T & string, ...(keyof T & string)[]]) {
  const listed = fields.length === 1 ? fields[0] : `${fields.slice(0, -1).join(", ")} or ${fields.at(-1)}`;
  return z.refine<T>(
    (value) => fields.some((field) => value[field] !== undefined),
    `nothing to change: give at least one of ${listed}`,
  );
}
