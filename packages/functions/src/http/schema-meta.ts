// Types only: lets the metadata take OpenAPI fields (id, override, format, example); nothing of zod-openapi is bundled here.
import type {} from "zod-openapi";
import * as z from "zod/mini";

/**
 * Classic zod's `.meta()` for zod/mini schemas: a copy of `schema` with `metadata` in zod's global
 * registry, which is where zod-openapi reads ids, descriptions and examples. A copy, as classic
 * does it, so describing a shared schema (a core one, say) never changes what it says elsewhere.
 * Marked free of side effects, like zod's own functions: a schema a bundle never uses is dropped from it.
 */
/* @__NO_SIDE_EFFECTS__ */
export function meta<T extends z.ZodMiniType>(schema: T, metadata: z.core.GlobalMeta): T {
  const described = schema.clone();
  z.globalRegistry.add(described, metadata);
  return described;
}
