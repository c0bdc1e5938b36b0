import { describe, expect, it } from "vitest";
import { organizationNameSchema } from "../src";
import { collectionNameFor, slugify } from "../src/slug";

describe("slugify", () => {
  it.each([
    ["Acme Corp", "acme_corp"],
    ["ACME corp", "acme_corp"],
    ["acme_corp", "acme_corp"],
    ["  Acme   Corp  ", "acme_corp"],
    ["Acme--Corp!!", "acme_corp"],
    ["__acme__", "acme"],
    ["Crème Brûlée", "creme_brulee"],
    ["Ångström Ltd.", "angstrom_ltd"],
    ["Ｆｕｌｌ Ｗｉｄｔｈ", "full_width"],
    ["ﬁnance", "finance"],
    ["Straße 42", "stra_e_42"],
    ["Москва", ""],
    ["日本", ""],
    ["2024 Holdings", "2024_holdings"],
    ["a.b.c", "a_b_c"],
    ["$inc", "inc"],
  ])("%j → %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it("is idempotent", () => {
    for (const name of ["Acme Corp", "Crème Brûlée", "a__b", "x-y-z"]) {
      expect(slugify(slugify(name))).toBe(slugify(name));
    }
  });

  it("names the tenant collection org_<slug>", () => {
    expect(collectionNameFor(slugify("Acme Corp"))).toBe("org_acme_corp");
  });
});

describe("organization name rules", () => {
  const accepts = (name: string) => organizationNameSchema.safeParse(name).success;

  it.each([
    ["a", true],
    ["  Acme  ", true],
    ["x".repeat(48), true],
    ["x".repeat(49), false], // slug longer than 48
    [`${"a ".repeat(24)}b`, false], // 49 characters whose slug a_a_…_b is 49 long
    ["", false],
    ["   ", false],
    ["!!!", false], // empty slug
    ["Москва", false], // empty slug
    ["y".repeat(65), false], // longer than 64 characters
  ])("%j accepted: %s", (name, expected) => {
    expect(accepts(name)).toBe(expected);
  });

  it("keeps the display name as given, trimmed", () => {
    expect(organizationNameSchema.parse("  Acme Corp ")).toBe("Acme Corp");
  });

  it("counts characters, not bytes or UTF-16 units", () => {
    // Emoji are two UTF-16 units and four bytes each, yet one character; they fold into one `_`.
    expect(accepts(`a${"😀".repeat(62)}b`)).toBe(true);
    expect(accepts(`a${"😀".repeat(63)}b`)).toBe(false);
  });
});
