import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useSyncExternalStore, type ReactNode } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { permissionsFor, type Permissions } from "./permissions";
import { clearTokens, hasSession, onTokensChange, refreshToken, storeTokens } from "./tokens";

export type User = Schemas["User"];

interface AuthState {
  status: "loading" | "anonymous" | "authenticated";
  user: User | null;
  can: Permissions;
  login: (email: string, password: string) => Promise<User>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const signedIn = useSyncExternalStore(onTokensChange, hasSession);
  const me = useQuery({
    queryKey: ["me"],
    queryFn: async () => unwrap(await api.GET("/v1/users/me")),
    enabled: signedIn,
    staleTime: 60_000,
    retry: false,
  });

  // The refresh token was refused (or a logout in another tab): forget everything cached.
  useEffect(() => {
    if (!signedIn) queryClient.clear();
  }, [signedIn, queryClient]);

  const login = useCallback(
    async (email: string, password: string) => {
      const pair = unwrap(await api.POST("/v1/auth/login", { body: { email, password } }));
      queryClient.clear();
      storeTokens(pair);
      const user = unwrap(await api.GET("/v1/users/me"));
      queryClient.setQueryData(["me"], user);
      return user;
    },
    [queryClient],
  );

  const logout = useCallback(async () => {
    const token = refreshToken();
    clearTokens();
    queryClient.clear();
    if (token) {
      // Revokes the whole refresh-token family server-side; best effort when offline.
      await api.POST("/v1/auth/logout", { body: { refresh_token: token } }).catch(() => undefined);
    }
  }, [queryClient]);

  const value = useMemo<AuthState>(() => {
    const user = signedIn ? (me.data ?? null) : null;
    const status = !signedIn || me.isError ? "anonymous" : user ? "authenticated" : "loading";
    return { status, user, can: permissionsFor(user?.roles ?? []), login, logout };
  }, [signedIn, me.data, me.isError, login, logout]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth outside AuthProvider");
  return state;
}
