import { describe, expect, it } from "vitest";
import { findRoute, pathParametersOf } from "../src/route-matching";

/** The local server matches routes as API Gateway does: exact paths first, then `{name}` variables of one segment. */
describe("route matching", () => {
  it("matches exact paths, and path variables one segment wide", () => {
    expect(findRoute("GET", "/docs")?.path).toBe("/docs");
    expect(findRoute("get", "/docs/swagger-ui.css")?.path).toBe("/docs/{asset}");
    expect(findRoute("GET", "/")?.handler).toBe("dashboard");
    expect(findRoute("GET", "/docs/a/b")).toBeUndefined();
    expect(findRoute("POST", "/docs/swagger-ui.css")).toBeUndefined();
    expect(findRoute("GET", "/nowhere")).toBeUndefined();
  });

  it("extracts and decodes the variables", () => {
    expect(pathParametersOf({ path: "/docs/{asset}" }, "/docs/swagger%2Dui.css")).toEqual({ asset: "swagger-ui.css" });
    expect(pathParametersOf({ path: "/docs/{asset}" }, "/docs/%E0%A4%A")).toBeUndefined();
    expect(pathParametersOf({ path: "/org/get" }, "/org/get")).toEqual({});
    expect(pathParametersOf({ path: "/org/get" }, "/org/gets")).toBeUndefined();
  });
});
