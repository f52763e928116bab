import { beforeEach, describe, expect, it, vi } from "vitest";
import { accessToken, clearTokens, refreshToken, setRefreshCall, storeTokens } from "./tokens";

const pair = (n: number) => ({ access_token: `access-${n}`, refresh_token: `refresh-${n}`, expires_in: 900, refresh_expires_in: 86400, token_type: "Bearer" as const });

describe("tokens", () => {
  beforeEach(() => {
    clearTokens();
  });

  it("uses the access token until shortly before it expires", async () => {
    storeTokens(pair(1), 0);
    const call = vi.fn(async () => pair(2));
    setRefreshCall(call);
    expect(await accessToken(1_000)).toBe("access-1");
    expect(call).not.toHaveBeenCalled();
    // 880 s later: within the last 30 s, so it is refreshed first.
    expect(await accessToken(880_000)).toBe("access-2");
    expect(call).toHaveBeenCalledWith("refresh-1");
    expect(refreshToken()).toBe("refresh-2");
  });

  it("refreshes once for concurrent requests (a rotated token is never presented twice)", async () => {
    localStorage.setItem("ladda.refresh-token", "refresh-1");
    let calls = 0;
    setRefreshCall(async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return pair(2);
    });
    const tokens = await Promise.all([accessToken(), accessToken(), accessToken()]);
    expect(tokens).toEqual(["access-2", "access-2", "access-2"]);
    expect(calls).toBe(1);
  });

  it("forgets the session when the refresh token is refused", async () => {
    localStorage.setItem("ladda.refresh-token", "refresh-spent");
    setRefreshCall(async () => "rejected");
    expect(await accessToken()).toBeNull();
    expect(refreshToken()).toBeNull();
  });
});
