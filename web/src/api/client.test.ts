import { afterEach, describe, expect, it, vi } from "vitest";
import { clearTokens, refreshToken, storeTokens } from "../auth/tokens";
import { api } from "./client";

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("the API client", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    clearTokens();
  });

  it("answers a 401 by rotating the refresh token once and repeating the request", async () => {
    storeTokens({ access_token: "stale", refresh_token: "refresh-1", expires_in: 900, refresh_expires_in: 1, token_type: "Bearer" });
    const seen: { path: string; auth: string | null; body: string }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        const path = new URL(request.url).pathname;
        seen.push({ path, auth: request.headers.get("Authorization"), body: await request.clone().text() });
        if (path === "/v1/auth/refresh") {
          return json(200, { access_token: "fresh", refresh_token: "refresh-2", expires_in: 900, refresh_expires_in: 1, token_type: "Bearer" });
        }
        return request.headers.get("Authorization") === "Bearer fresh" ? json(200, { id: "me" }) : json(401, { title: "Unauthorized", status: 401 });
      }),
    );
    const { data } = await api.GET("/v1/users/me");
    expect(data).toEqual({ id: "me" });
    expect(seen.map((s) => [s.path, s.auth])).toEqual([
      ["/v1/users/me", "Bearer stale"],
      ["/v1/auth/refresh", null],
      ["/v1/users/me", "Bearer fresh"],
    ]);
    expect(JSON.parse(seen[1]?.body ?? "{}")).toEqual({ refresh_token: "refresh-1" });
    expect(refreshToken()).toBe("refresh-2");
  });

  it("sends no token to the login and keeps the 401 when no session can be renewed", async () => {
    const calls: (string | null)[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        calls.push(request.headers.get("Authorization"));
        return json(401, { title: "Unauthorized", status: 401 });
      }),
    );
    const { response } = await api.GET("/v1/users/me");
    expect(response.status).toBe(401);
    await api.POST("/v1/auth/login", { body: { email: "a@b.c", password: "x" } });
    expect(calls).toEqual([null, null]);
  });
});
