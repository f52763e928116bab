import { Button, Checkbox, Group, Stack, Text, Title } from "@mantine/core";
import { notify } from "../notify";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { useAuth } from "../auth/AuthProvider";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StatusBadge } from "../components/StatusBadge";
import { TokensTable } from "../components/TokensTable";

type Role = "driver" | "operator" | "support" | "admin";
const ROLES: Role[] = ["driver", "support", "operator", "admin"];

function RolesEditor({ userId, current }: { userId: string; current: Role[] }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [roles, setRoles] = useState<string[]>(current);
  const save = useMutation({
    mutationFn: async () => unwrap(await api.PUT("/v1/users/{user_id}/roles", { params: { path: { user_id: userId } }, body: { roles: roles as Role[] } })),
    onSuccess: (user) => {
      queryClient.setQueryData(["user", userId], user);
      notify(t("drivers.rolesSaved"));
    },
    onError: (err) => notify(err.message, "red"),
  });
  return (
    <Stack gap="xs">
      <Checkbox.Group label={t("drivers.rolesTitle")} value={roles} onChange={setRoles}>
        <Group mt="xs">
          {ROLES.map((role) => (
            <Checkbox key={role} value={role} label={role} />
          ))}
        </Group>
      </Checkbox.Group>
      <Button w="fit-content" onClick={() => save.mutate()} loading={save.isPending}>
        {t("app.save")}
      </Button>
    </Stack>
  );
}

export function DriverDetail() {
  const { userId = "" } = useParams();
  const { t } = useTranslation();
  const { can } = useAuth();
  const queryClient = useQueryClient();
  const user = useQuery({
    queryKey: ["user", userId],
    queryFn: async () => unwrap(await api.GET("/v1/users/{user_id}", { params: { path: { user_id: userId } } })),
  });
  const tokens = useQuery({
    queryKey: ["id-tokens", { user_id: userId }],
    queryFn: async () => unwrap(await api.GET("/v1/id-tokens", { params: { query: { user_id: userId, limit: 100 } } })),
  });
  const account = useMutation({
    mutationFn: async (step: "disable" | "enable") => {
      const path = { params: { path: { user_id: userId } } };
      return unwrap(step === "disable" ? await api.POST("/v1/users/{user_id}/disable", path) : await api.POST("/v1/users/{user_id}/enable", path));
    },
    onSuccess: (updated) => {
      queryClient.setQueryData(["user", userId], updated);
      void queryClient.invalidateQueries({ queryKey: ["id-tokens"] });
    },
    onError: (err) => notify(err.message, "red"),
  });
  const tokenStep = useMutation({
    mutationFn: async ({ id, step }: { id: string; step: "block" | "unblock" }) => {
      const path = { params: { path: { token_id: id } } };
      return unwrap(step === "block" ? await api.POST("/v1/id-tokens/{token_id}/block", { ...path, body: {} }) : await api.POST("/v1/id-tokens/{token_id}/unblock", path));
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["id-tokens"] }),
    onError: (err) => notify(err.message, "red"),
  });

  return (
    <Stack>
      <QueryState query={user}>
        {(u) => (
          <Stack>
            <PageTitle text={u.email} />
            <Group>
              <StatusBadge value={u.status} />
              <Text>{u.display_name ?? ""}</Text>
              <Text size="sm" c="dimmed">
                {t("drivers.roles")}: {u.roles.join(", ")}
              </Text>
            </Group>
            {can.disableUsers && u.status !== "deleted" && (
              <Button
                w="fit-content"
                variant="outline"
                color={u.status === "active" ? "#b3261e" : undefined}
                onClick={() => account.mutate(u.status === "active" ? "disable" : "enable")}
                loading={account.isPending}
              >
                {u.status === "active" ? t("drivers.disable") : t("drivers.enable")}
              </Button>
            )}
            {can.editRoles ? <RolesEditor key={u.roles.join()} userId={u.id} current={u.roles} /> : <Text size="sm">{t("drivers.rolesAdminOnly")}</Text>}
          </Stack>
        )}
      </QueryState>
      <Title order={2} size="h3">
        {t("drivers.tokens")}
      </Title>
      <QueryState query={tokens}>
        {(page) => (
          <TokensTable
            tokens={page.items}
            actions={
              can.blockTokens
                ? [
                    { label: () => t("drivers.block"), show: (tk) => tk.status === "active", run: (tk) => tokenStep.mutate({ id: tk.id, step: "block" }), danger: true },
                    { label: () => t("drivers.unblock"), show: (tk) => tk.status === "blocked", run: (tk) => tokenStep.mutate({ id: tk.id, step: "unblock" }) },
                  ]
                : []
            }
          />
        )}
      </QueryState>
    </Stack>
  );
}
