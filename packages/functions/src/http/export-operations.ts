import {
  getOwnExport,
  getPlatformExport,
  listOwnExports,
  listPlatformExports,
  startOwnExport,
  startPlatformExport,
  type ExportStatus,
} from "@org-service/core";
import type { HttpEvent, HttpResult } from "./endpoint";
import { authenticatedActor, authenticatedPlatformActor, parsePath, requestContextOf } from "./request";
import { exportIdPath, platformExportPath, platformOrganizationIdPath } from "./request-schemas";
import { json } from "./respond";
import { exportView } from "./views";

/**
 * The export routes, an organization's own (`/org/exports…`, its owners) and the platform's
 * (`/platform/organizations/{id}/exports…`): each handler file names one of these.
 */

/** An export's answer is about this instant (its progress, its link): never kept by a cache. */
const answer = (status: number, body: unknown): HttpResult => json(status, body, { "cache-control": "no-store" });
const list = (exports: readonly ExportStatus[]) => answer(200, { exports: exports.map(exportView) });

export const startOwn = async (event: HttpEvent) =>
  answer(202, exportView(await startOwnExport(await authenticatedActor(event), requestContextOf(event))));

export const listOwn = async (event: HttpEvent) =>
  list(await listOwnExports(await authenticatedActor(event), requestContextOf(event)));

export async function getOwn(event: HttpEvent): Promise<HttpResult> {
  const actor = await authenticatedActor(event);
  const { export_id } = parsePath(exportIdPath, event);
  return answer(200, exportView(await getOwnExport(actor, export_id, requestContextOf(event))));
}

export async function startForPlatform(event: HttpEvent): Promise<HttpResult> {
  const actor = await authenticatedPlatformActor(event);
  const { organization_id } = parsePath(platformOrganizationIdPath, event);
  return answer(202, exportView(await startPlatformExport(actor, organization_id, requestContextOf(event))));
}

export async function listForPlatform(event: HttpEvent): Promise<HttpResult> {
  const actor = await authenticatedPlatformActor(event);
  const { organization_id } = parsePath(platformOrganizationIdPath, event);
  return list(await listPlatformExports(actor, organization_id, requestContextOf(event)));
}

export async function getForPlatform(event: HttpEvent): Promise<HttpResult> {
  const actor = await authenticatedPlatformActor(event);
  const { organization_id, export_id } = parsePath(platformExportPath, event);
  return answer(200, exportView(await getPlatformExport(actor, organization_id, export_id, requestContextOf(event))));
}
