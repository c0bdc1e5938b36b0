import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import GithubSlugger from "github-slugger";
import { describe, expect, it } from "vitest";

/**
 * The documentation's relative links resolve: README.md, every page under docs/ and each package's
 * README.md link only to files that exist, and a link with a `#fragment` only to a heading the
 * target has — the anchor GitHub gives it (github-slugger: lower-cased, punctuation but `-` dropped,
 * spaces to `-`; a repeated heading gets `-1`, `-2`, …). Links in fenced code blocks and inline code
 * are not links; http(s) and mailto links are not checked.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The documents whose links are checked, as paths relative to the repository. */
function documents(): string[] {
  const found = ["README.md"];
  const walk = (directory: string) => {
    for (const entry of readdirSync(path.join(ROOT, directory), { withFileTypes: true })) {
      const relative = path.posix.join(directory, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith(".md")) found.push(relative);
    }
  };
  if (existsSync(path.join(ROOT, "docs"))) walk("docs");
  for (const entry of readdirSync(path.join(ROOT, "packages"), { withFileTypes: true })) {
    const readme = path.posix.join("packages", entry.name, "README.md");
    if (entry.isDirectory() && existsSync(path.join(ROOT, readme))) found.push(readme);
  }
  return found.sort();
}

/** The text with fenced code blocks and inline code blanked out, line breaks kept (for line numbers). */
export function withoutCode(markdown: string): string {
  const lines = markdown.split("\n");
  let fence: string | undefined;
  const prose = lines.map((line) => {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && opening) {
      fence = opening;
      return "";
    }
    if (fence !== undefined) {
      if (opening && opening[0] === fence[0] && opening.length >= fence.length && /^\s*[`~]+\s*$/.test(line)) {
        fence = undefined;
      }
      return "";
    }
    return line;
  });
  // Inline code may run over a line break; a run of backticks closes with the same run.
  return prose.join("\n").replace(/(`+)[\s\S]*?[^`]\1(?!`)|(`+)\2(?!`)/g, (code) => code.replace(/[^\n]/g, " "));
}

/** The anchors GitHub makes for the headings of a markdown document, in order. */
export function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const lines = markdown.split("\n");
  let fence: string | undefined;
  for (const line of lines) {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && opening) {
      fence = opening;
      continue;
    }
    if (fence !== undefined) {
      if (opening && opening[0] === fence[0] && opening.length >= fence.length && /^\s*[`~]+\s*$/.test(line)) {
        fence = undefined;
      }
      continue;
    }
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    // What GitHub slugs is the heading's text: a link's text, code without its backticks, no emphasis.
    const text = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/`+/g, "")
      .replace(/(\*\*|__|\*|_)(\S(?:.*?\S)?)\1/g, "$2");
    anchors.add(slugger.slug(text));
  }
  return anchors;
}

export interface Link {
  readonly line: number;
  readonly target: string;
}

/** Every relative link `[text](target)` (images too) outside code; not http(s), mailto or other schemes. */
export function relativeLinksOf(markdown: string): Link[] {
  const prose = withoutCode(markdown);
  const links: Link[] = [];
  for (const match of prose.matchAll(
    /\[(?:[^\][]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g,
  )) {
    const target = match[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    links.push({ line: prose.slice(0, match.index).split("\n").length, target });
  }
  return links;
}

/**
 * What is wrong with each relative link of the document at `from` (a path relative to the
 * repository): its file missing, or no heading of it making the fragment's anchor.
 */
export function deadLinks(from: string, markdown: string, read: (file: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const { line, target } of relativeLinksOf(markdown)) {
    const hash = target.indexOf("#");
    const file = hash === -1 ? target : target.slice(0, hash);
    const fragment = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved = file === "" ? from : path.posix.normalize(path.posix.join(path.posix.dirname(from), file));
    const where = `${from}:${line}: (${target})`;
    const text = resolved === from ? markdown : read(resolved);
    if (text === undefined) {
      problems.push(`${where}: no file ${resolved}`);
      continue;
    }
    if (fragment === undefined) continue;
    if (!resolved.endsWith(".md")) {
      problems.push(`${where}: a fragment on a file that is not markdown`);
    } else if (!anchorsOf(text).has(fragment)) {
      problems.push(`${where}: no heading in ${resolved} makes the anchor #${fragment}`);
    }
  }
  return problems;
}

/** A file's text, "" for a directory, undefined when nothing is there (or it lies outside the repository). */
function readFromRepository(file: string): string | undefined {
  if (file.startsWith("../") || path.posix.isAbsolute(file)) return undefined;
  const absolute = path.join(ROOT, file);
  if (!existsSync(absolute)) return undefined;
  return statSync(absolute).isDirectory() ? "" : readFileSync(absolute, "utf8");
}

describe("the documentation's links", () => {
  it("reads the README and the pages under docs/", () => {
    const files = documents();
    expect(files).toContain("README.md");
    expect(files).toContain("docs/README.md");
    expect(files.length).toBeGreaterThan(10);
  });

  it("every relative link reaches a file that exists, and a heading there when it names one", () => {
    const problems = documents().flatMap((file) =>
      deadLinks(file, readFileSync(path.join(ROOT, file), "utf8"), readFromRepository),
    );
    expect(problems).toEqual([]);
  });
});

describe("the link check itself", () => {
  const pages: Record<string, string> = {
    "docs/a.md": "# Page A\n\n## Deploy on AWS (SST v2)\n\n## Live development: `sst dev`\n\n## Notes\n\n## Notes\n",
    "docs/api/b.md": "# B\n",
  };
  const read = (file: string) => pages[file];

  it("finds the anchors GitHub makes, repeated headings numbered", () => {
    expect([...anchorsOf(pages["docs/a.md"]!)]).toEqual([
      "page-a",
      "deploy-on-aws-sst-v2",
      "live-development-sst-dev",
      "notes",
      "notes-1",
    ]);
    expect([...anchorsOf("# Größe ändern\n\n```sh\n# not a heading\n```\n")]).toEqual(["größe-ändern"]);
  });

  it("accepts links that resolve", () => {
    const page = [
      "# B",
      "[a](../a.md) [a's notes](../a.md#notes-1) [here](#b) [sst](../a.md#live-development-sst-dev)",
      "[web](https://example.com/x.md) [mail](mailto:ops@example.com)",
    ].join("\n");
    expect(deadLinks("docs/api/b.md", page, read)).toEqual([]);
  });

  it("refuses a missing file, a missing anchor, and an anchor in the same file that is not there", () => {
    const page = "# B\n\nSee [gone](gone.md),\n[a](../a.md#notes-2) and [self](#c).\n";
    expect(deadLinks("docs/api/b.md", page, read)).toEqual([
      "docs/api/b.md:3: (gone.md): no file docs/api/gone.md",
      "docs/api/b.md:4: (../a.md#notes-2): no heading in docs/a.md makes the anchor #notes-2",
      "docs/api/b.md:4: (#c): no heading in docs/api/b.md makes the anchor #c",
    ]);
  });

  it("skips links in fenced code blocks and inline code", () => {
    const page = "```md\n[gone](gone.md)\n```\n\nText `[gone](gone.md)` and ``a `[x](y.md)` b``.\n";
    expect(relativeLinksOf(page)).toEqual([]);
  });
});
