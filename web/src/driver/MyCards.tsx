import { Alert, Button, Paper, Stack, TextInput, Title } from "@mantine/core";
import { notify } from "../notify";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { useAuth } from "../auth/AuthProvider";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { TokenCards } from "../components/TokensTable";

/** A driver's RFID cards: add, block a lost one, remove. The API lists only their own. */
export function MyCards() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [uid, setUid] = useState("");
  const [label, setLabel] = useState("");
  const [error, setError] = useState<string | null>(null);
  const { user } = useAuth();
  const userId = user?.id ?? "";
  // Filtered by the user's own id: a driver who is also staff would otherwise list everyone's.
  const tokens = useQuery({
    queryKey: ["id-tokens", { user_id: userId }],
    queryFn: async () => unwrap(await api.GET("/v1/id-tokens", { params: { query: { user_id: userId, limit: 100 } } })),
    enabled: Boolean(userId),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["id-tokens"] });
  const add = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/id-tokens", { body: { kind: "rfid", uid: uid.trim(), label: label.trim() || null } })),
    onSuccess: () => {
      setUid("");
      setLabel("");
      notify(t("cards.added"));
      refresh();
    },
    onError: (err) => setError(err.message),
  });
  const block = useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST("/v1/id-tokens/{token_id}/block", { params: { path: { token_id: id } }, body: {} })),
    onSuccess: refresh,
    onError: (err) => notify(err.message, "red"),
  });
  const remove = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE("/v1/id-tokens/{token_id}", { params: { path: { token_id: id } } })),
    onSuccess: refresh,
    onError: (err) => notify(err.message, "red"),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    add.mutate();
  }

  return (
    <Stack>
      <PageTitle text={t("cards.title")} />
      <QueryState query={tokens}>
        {(page) => (
          <TokenCards
            tokens={page.items.filter((token) => token.kind === "rfid")}
            actions={[
              { label: () => t("cards.block"), show: (tk) => tk.status === "active", run: (tk) => block.mutate(tk.id) },
              {
                label: () => t("cards.remove"),
                show: () => true,
                danger: true,
                run: (tk) => {
                  if (window.confirm(t("cards.removeConfirm", { uid: tk.uid }))) remove.mutate(tk.id);
                },
              },
            ]}
          />
        )}
      </QueryState>
      <Paper withBorder p="md" maw={480}>
        <form onSubmit={submit}>
          <Stack>
            <Title order={2} size="h4">
              {t("cards.add")}
            </Title>
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <TextInput label={t("cards.uid")} description={t("cards.uidHint")} required pattern="[A-Za-z0-9._:\-]{4,20}" value={uid} onChange={(e) => setUid(e.currentTarget.value)} />
            <TextInput label={t("cards.label")} value={label} maxLength={100} onChange={(e) => setLabel(e.currentTarget.value)} />
            <Button type="submit" loading={add.isPending} w="fit-content">
              {t("cards.add")}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
