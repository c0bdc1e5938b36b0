import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { organizationNameSchema } from "../src";
import { hasControlCharacter, isReservedSlug } from "../src/validation";
import { slugify } from "../src/slug";

/** Properties of the slug for any input, not only the examples in slug.test.ts. */
const anyName = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 60 }),
);

describe("slug properties", () => {
  it("a name is either accepted with a slug matching ^[a-z0-9_]{1,48}$, or refused", () => {
    fc.assert(
      fc.property(anyName, (name) => {
        const accepted = organizationNameSchema.safeParse(name).success;
        const slug = slugify(name.trim());
        if (accepted) expect(slug).toMatch(/^[a-z0-9_]{1,48}$/);
        else
          expect(
            /^[a-z0-9_]{1,48}$/.test(slug) &&
              !isReservedSlug(slug) &&
              [...name.trim()].length <= 64 &&
              // Nor a control character or a line break, which a name shown in mail must not carry.
              !hasControlCharacter(name.trim()) &&
              !/[\u0085\u2028\u2029]/.test(name.trim()),
          ).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(anyName, (name) => {
        expect(slugify(slugify(name))).toBe(slugify(name));
      }),
      { numRuns: 2000 },
    );
  });

  it("is stable under case and spacing", () => {
    const words = fc.array(fc.stringMatching(/^[A-Za-z0-9]{1,8}$/), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(
        words,
        fc.array(fc.constantFrom(" ", "  ", "\t", "-", "_", ". "), { minLength: 5, maxLength: 5 }),
        (parts, separators) => {
          const spaced = parts.map((part, i) => `${part}${separators[i] ?? " "}`).join("");
          const plain = parts.join(" ");
          expect(slugify(spaced.toUpperCase())).toBe(slugify(plain.toLowerCase()));
          expect(slugify(`  ${plain}  `)).toBe(slugify(plain));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("reserved names", () => {
  it.each(["admin", "ADMIN", "Local", "config", "system", "System Users", "system.profile", "systemd"])(
    "refuses %j",
    (name) => {
      expect(organizationNameSchema.safeParse(name).success).toBe(false);
    },
  );
  it.each(["Administrators", "my admin", "Localhost Inc", "Configurator", "Ecosystem"])("accepts %j", (name) => {
    expect(organizationNameSchema.safeParse(name).success).toBe(true);
  });
});
