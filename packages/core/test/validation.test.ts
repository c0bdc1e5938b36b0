import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { emailSchema, organizationNameSchema, parseInput, passwordSchema, ValidationError } from "../src";

describe("password rules (bytes of UTF-8, bcrypt's 72-byte limit)", () => {
  it.each([
    ["7 ASCII bytes", "a".repeat(7), false],
    ["8 ASCII bytes", "a".repeat(8), true],
    ["72 ASCII bytes", "a".repeat(72), true],
    ["73 ASCII bytes", "a".repeat(73), false],
    ["24 euro signs = 72 bytes", "€".repeat(24), true],
    ["25 euro signs = 75 bytes, only 25 characters", "€".repeat(25), false],
    ["3 euro signs = 9 bytes, only 3 characters", "€€€", true],
    ["2 emoji = 8 bytes", "😀😀", true],
    ["8 NULs, which bcrypt hashes as the empty password", "\u0000".repeat(8), false],
    ["a NUL inside", "password\u0000123", false],
    ["a tab", "pass\tword", false],
    ["a line break at the end", "password-123\n", false],
    ["an escape", "\u001b[31mpassword", false],
    ["DEL", "password\u007f", false],
    ["spaces", "correct horse battery", true],
    ["a C1 control (two bytes of UTF-8, no NUL)", "password\u0085", true],
  ])("%s → accepted: %s", (_label, password, expected) => {
    expect(passwordSchema.safeParse(password).success).toBe(expected);
  });

  it("says what is wrong", () => {
    expect(() => parseInput(passwordSchema, "a".repeat(73))).toThrow(/at most 72 bytes/);
    expect(() => parseInput(passwordSchema, "\u0000".repeat(8))).toThrow(
      "must not contain control characters (U+0000–U+001F, U+007F)",
    );
  });
});

describe("email rules", () => {
  it("stores addresses lower-cased and trimmed", () => {
    expect(emailSchema.parse("  Admin@Example.COM ")).toBe("admin@example.com");
  });

  it.each(["not-an-email", "a@", "@b.com", "a b@c.com", ""])("refuses %j", (email) => {
    expect(emailSchema.safeParse(email).success).toBe(false);
  });

  it("reports the failing field by path", () => {
    try {
      parseInput(z.array(passwordSchema), ["short"]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.path).toBe("0");
    }
  });
});

describe("organization name rules", () => {
  it.each(["Acme\nCorp", "Acme\rCorp", "Acme\u0000", "Acme\u2028Corp", "Acme\u0085Corp"])(
    "refuses a line break or a control character (%j): a name is shown in mail and pages",
    (name) => {
      expect(() => parseInput(organizationNameSchema, name)).toThrow(/control characters or line breaks/);
    },
  );

  it("accepts a name with accents, punctuation and spaces", () => {
    expect(parseInput(organizationNameSchema, " Café & Co. (Zürich) ")).toBe("Café & Co. (Zürich)");
  });
});
