/** Query keys and fetchers shared by pages; polling intervals say how live each view is. */
import { api, unwrap } from "./client";

export const POLL_MS = { dashboard: 10_000, charger: 5_000, session: 5_000 } as const;

export async function fetchChargers(params: { approval?: "pending" | "approved" | "retired"; online?: boolean } = {}) {
  return unwrap(await api.GET("/v1/charge-points", { params: { query: { limit: 1000, ...params } } }));
}

export async function fetchConnectors(cpId: string) {
  return unwrap(await api.GET("/v1/charge-points/{cp_id}/connectors", { params: { path: { cp_id: cpId } } }));
}

export async function fetchSessions(query: { charge_point_id?: string; status?: "active" | "stopped"; limit?: number } = {}) {
  return unwrap(await api.GET("/v1/sessions", { params: { query: { limit: 200, ...query } } }));
}
