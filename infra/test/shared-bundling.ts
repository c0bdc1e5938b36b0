/**
 * Synthesizes the app with every function built as `sst deploy` builds it, in less time: the bundle
 * test's hundred-odd functions in about 65 s instead of 110 s on two cores.
 *
 * SST bundles each function on its own: a fresh esbuild context per function, which parses again
 * the same ~1,900 modules (the AWS SDK, the MongoDB driver's sources, zod…) as the one before. Here
 * SST still builds every function — composes its esbuild options and runs esbuild with them, names
 * and writes its artifact, runs its `npm install` there, and gives the stack the handler and the
 * code it deploys — except that its esbuild bundles an empty module, and the bundling proper, with
 * the very options SST composed, goes through one esbuild context that keeps the parsed modules
 * from one function to the next. Each function is still bundled alone: its code split into chunks
 * of its own, as deployed (building every entry point in one call would share chunks between them,
 * and change what each function loads).
 *
 * Why it gives what SST gives: an incremental rebuild's output is a fresh build's; the context's one
 * entry point stands for each function's in turn (a plugin resolves it to the function's file), and
 * only its output's name, and the comment naming its source map, are the stand-in's: both renamed.
 * The first function is also bundled afresh with SST's options, and the two must be the same bytes.
 * Whatever the context cannot share (other options, a directory of another depth, a package SST
 * would install next to the bundle) SST builds itself, unchanged.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type * as Esbuild from "esbuild";
import { initProject } from "sst/project.js";
import { useRuntimeHandlers } from "sst/runtime/handlers.js";

type RuntimeHandler = ReturnType<ReturnType<typeof useRuntimeHandlers>["for"]>;
type BuildInput = Parameters<RuntimeHandler["build"]>[0];

// SST's own esbuild (the one its Node.js runtime handler imports), whatever else the test resolves.
const esbuild = createRequire(createRequire(import.meta.url).resolve("sst/runtime/handlers/node.js"))(
  "esbuild",
) as typeof Esbuild;

/** The entry point of the shared context, which a plugin resolves to each function's file in turn. */
const STAND_IN = "sst-function-entry";

interface Output {
  /** Relative to the function's output directory. */
  readonly name: string;
  readonly contents: Uint8Array;
}

const outputsOf = (result: Esbuild.BuildResult, outdir: string): Output[] =>
  (result.outputFiles ?? []).map((file) => ({ name: path.relative(outdir, file.path), contents: file.contents }));

const sameOutputs = (a: readonly Output[], b: readonly Output[]): boolean => {
  const right = new Map(b.map((o) => [o.name, Buffer.from(o.contents)]));
  return a.length === right.size && a.every((o) => right.get(o.name)?.equals(o.contents));
};

/** One esbuild context for every function whose options differ only by entry point and directory. */
class SharedContext {
  private context: Esbuild.BuildContext | undefined;
  private key: string | undefined;
  private outdir = "";
  private file = "";
  private queue: Promise<unknown> = Promise.resolve();

  /** What the options must share with the context's; undefined if the context cannot build them. */
  private static keyOf({ entryPoints, outdir, plugins, ...rest }: Esbuild.BuildOptions): string | undefined {
    if (!Array.isArray(entryPoints) || entryPoints.length !== 1 || typeof entryPoints[0] !== "string") return;
    if (!outdir || rest.outfile || rest.stdin || rest.write === false || !rest.metafile) return;
    // The source maps name the sources relative to the output directory: the same for any as deep.
    const toRoot = path.relative(outdir, rest.absWorkingDir ?? process.cwd());
    return JSON.stringify([rest, toRoot, plugins?.map((plugin) => plugin.name)]);
  }

  /** Bundles one function, or answers undefined if the context cannot. One at a time, as a context builds. */
  bundle(options: Esbuild.BuildOptions): Promise<{ outputs: Output[]; metafile: Esbuild.Metafile } | undefined> {
    const run = this.queue.then(() => this.rebuild(options));
    this.queue = run.catch(() => {});
    return run;
  }

  private async rebuild(options: Esbuild.BuildOptions) {
    const key = SharedContext.keyOf(options);
    if (key === undefined || (this.key !== undefined && key !== this.key)) return undefined;
    this.file = path.resolve(options.absWorkingDir ?? process.cwd(), (options.entryPoints as string[])[0]!);
    if (!this.context) {
      const standIn: Esbuild.Plugin = {
        name: "function-entry",
        setup: (build) => {
          build.onResolve({ filter: new RegExp(`^${STAND_IN}$`) }, (args) =>
            args.kind === "entry-point" ? { path: this.file } : undefined,
          );
        },
      };
      this.key = key;
      this.outdir = options.outdir!;
      this.context = await esbuild.context({
        ...options,
        entryPoints: [STAND_IN],
        write: false,
        plugins: [standIn, ...(options.plugins ?? [])],
      });
    }
    const result = await this.context.rebuild();
    return { outputs: outputsOf(result, this.outdir), metafile: result.metafile! };
  }

  async dispose(): Promise<void> {
    await this.context?.dispose();
  }
}

/**
 * Runs `synthesize` (which initializes the project again, the same) with SST's Node.js functions
 * bundled through one shared esbuild context, as described above.
 */
export async function withSharedBundling<T>(
  project: { root: string; stage: string; region: string },
  synthesize: () => Promise<T>,
): Promise<T> {
  const environment = { GOGC: process.env.GOGC, SST_BUILD_CONCURRENCY: process.env.SST_BUILD_CONCURRENCY };
  // esbuild's service collects its garbage at Go's default pace, a quarter of each build's time:
  // the heap may grow to five times what is live (about 1 GB) before a collection, not twice. Go
  // reads it when the service starts, at the first build (initProject's, of sst.config.ts). It
  // changes nothing esbuild outputs.
  process.env.GOGC ??= "400";
  // SST builds as many functions at once as there are cores less one: one here. Two: a function's
  // npm install and its artifact's staging while the context bundles another (one at a time).
  process.env.SST_BUILD_CONCURRENCY ??= "2";
  // SST's runtime handlers are made once per process, from the project: initialize it first.
  await initProject(project);
  const node = useRuntimeHandlers().for("nodejs");
  const sstBuild = node.build;
  const shared = new SharedContext();
  let compared = false;
  let calls = 0;

  node.build = async (input: BuildInput) => {
    calls++;
    if (input.mode !== "deploy") return sstBuild(input);
    // SST's own build, with a first plugin that records the options SST composed and bundles an
    // empty module in place of the handler, so that SST names, writes and installs as it does.
    let options: Esbuild.BuildOptions | undefined;
    let placeholders: Esbuild.Metafile["outputs"] = {};
    const capture: Esbuild.Plugin = {
      name: "sst-options",
      setup(build) {
        options = { ...build.initialOptions, plugins: build.initialOptions.plugins?.filter((p) => p !== capture) };
        build.onResolve({ filter: /.*/ }, (args) =>
          args.kind === "entry-point" ? { path: args.path, namespace: "placeholder" } : undefined,
        );
        build.onLoad({ filter: /.*/, namespace: "placeholder" }, () => ({ contents: "", loader: "js" }));
        build.onEnd((result) => {
          placeholders = result.metafile?.outputs ?? {};
        });
      },
    };
    const nodejs = input.props.nodejs ?? {};
    const ownEsbuild = nodejs.esbuild ?? {};
    const built = await sstBuild({
      ...input,
      props: {
        ...input.props,
        nodejs: { ...nodejs, esbuild: { ...ownEsbuild, plugins: [capture, ...(ownEsbuild.plugins ?? [])] } },
      },
    });
    if (built.type === "error" || !options?.outdir) return sstBuild(input);
    const { outdir } = options;

    // A function that does not bundle: SST builds it, and fails as it would on deploy.
    const bundled = await shared.bundle(options).catch(() => undefined);
    // What SST installs next to a bundle that imports it: the externals SST adds to the function's
    // own (`sharp`, `pg-native`). The placeholder imported none, so SST installed none.
    const installable = (options.external ?? []).filter((id) => !(ownEsbuild.external ?? []).includes(id));
    const imports = Object.values(bundled?.metafile.inputs ?? {}).flatMap((file) => file.imports);
    if (!bundled || imports.some((i) => installable.includes(i.path))) return sstBuild(input);

    // The placeholder's entry output is named as the function's would be; the stand-in's is renamed to it.
    const cwd = options.absWorkingDir ?? process.cwd();
    const entry = Object.entries(placeholders).find(([, output]) => output.entryPoint)?.[0];
    if (!entry) return sstBuild(input);
    const entryName = path.relative(outdir, path.resolve(cwd, entry));
    const standInName = path.join(path.dirname(entryName), `${STAND_IN}${path.extname(entryName)}`);
    const comment = (name: string) => `//# sourceMappingURL=${path.basename(name)}.map\n`;
    const outputs = bundled.outputs.map(({ name, contents }): Output => {
      if (name === `${standInName}.map`) return { name: `${entryName}.map`, contents };
      if (name !== standInName) return { name, contents };
      const text = Buffer.from(contents).toString();
      if (!text.endsWith(comment(standInName))) throw new Error(`${name} does not end with ${comment(standInName)}`);
      return {
        name: entryName,
        contents: Buffer.from(text.slice(0, -comment(standInName).length) + comment(entryName)),
      };
    });
    if (!outputs.some((o) => o.name === entryName)) throw new Error(`The shared context output no ${entryName}`);
    if (!compared) {
      compared = true;
      const fresh = outputsOf(await esbuild.build({ ...options, write: false }), outdir);
      if (!sameOutputs(outputs, fresh))
        throw new Error(`The shared esbuild context bundled ${entry} otherwise than a build of its own does`);
    }

    await Promise.all(Object.keys(placeholders).map((file) => rm(path.resolve(cwd, file), { force: true })));
    for (const { name, contents } of outputs) {
      const file = path.join(outdir, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, contents);
    }
    return built;
  };

  try {
    const synthesized = await synthesize();
    // Had SST built through another handler than this one, the test would merely be slow again.
    if (calls === 0) throw new Error("SST built no function through the shared bundling (has SST changed?)");
    return synthesized;
  } finally {
    node.build = sstBuild;
    await shared.dispose();
    for (const [name, value] of Object.entries(environment)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
