import { it } from "vitest";
import { resources } from "./template";
import { synthesize } from "./synth";

it("counts", async () => {
  for (const mode of ["dev", "deploy"] as const) {
    const { stackTemplates } = await synthesize("alice", { active: mode === "dev", mode });
    for (const [name, template] of Object.entries(stackTemplates)) {
      const all = resources(template);
      const byType: Record<string, number> = {};
      for (const r of Object.values(all)) byType[r.Type] = (byType[r.Type] ?? 0) + 1;
      console.log(mode, name, Object.keys(all).length, JSON.stringify(byType, null, 1));
    }
  }
}, 300_000);
