import { Alert, Button, Code, NativeSelect, Stack, Table, Text, Textarea } from "@mantine/core";
import { notify } from "../notify";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { POLL_MS } from "../api/queries";
import { useAuth } from "../auth/AuthProvider";
import { QueryState } from "../components/QueryState";
import { StatusBadge } from "../components/StatusBadge";
import { formatDateTime } from "../format";
import { commandTemplates } from "./commandTemplates";

export function CommandsPanel({ cpId, ocppVersion }: { cpId: string; ocppVersion: string }) {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  const queryClient = useQueryClient();
  const templates = useMemo(() => commandTemplates(ocppVersion), [ocppVersion]);
  const allowed = Object.keys(templates).filter((action) => can.sendCommand(action));
  const [action, setAction] = useState(allowed[0] ?? "");
  const [payload, setPayload] = useState(JSON.stringify(templates[allowed[0] ?? ""] ?? {}, null, 2));
  const [error, setError] = useState<string | null>(null);
  const commands = useQuery({
    queryKey: ["commands", cpId],
    queryFn: async () => unwrap(await api.GET("/v1/charge-points/{cp_id}/commands", { params: { path: { cp_id: cpId }, query: { limit: 50 } } })),
    // Every second while a command waits for its answer, otherwise at the page's pace.
    refetchInterval: (query) => (query.state.data?.some((c) => c.status === "Pending") ? 1_000 : POLL_MS.charger),
  });
  // Not waiting for the answer in the request (`wait: false`): a charger may take up to the
  // command's timeout (30 s), longer than the gateway waits for an upstream. The list shows
  // the command as Pending and then its result.
  const send = useMutation({
    mutationFn: async (body: { action: string; payload: Record<string, unknown> }) =>
      unwrap(await api.POST("/v1/charge-points/{cp_id}/commands", { params: { path: { cp_id: cpId } }, body: { ...body, wait: false } })),
    onSuccess: (command) => {
      notify(t("commands.sent", { action: command.action }));
      void queryClient.invalidateQueries({ queryKey: ["commands", cpId] });
    },
    onError: (err) => setError(err.message),
  });

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      setError(t("commands.invalidJson"));
      return;
    }
    send.mutate({ action, payload: parsed as Record<string, unknown> });
  }

  return (
    <Stack>
      {!can.sendCommand("Reset") && <Text size="sm">{t("commands.notAllowed")}</Text>}
      {allowed.length > 0 && (
        <form onSubmit={submit} aria-label={t("commands.send")}>
          <Stack maw={640}>
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <NativeSelect
              label={t("commands.action")}
              value={action}
              data={allowed}
              onChange={(e) => {
                const next = e.currentTarget.value;
                setAction(next);
                setPayload(JSON.stringify(templates[next] ?? {}, null, 2));
              }}
            />
            <Textarea label={t("commands.payload")} autosize minRows={3} ff="monospace" value={payload} onChange={(e) => setPayload(e.currentTarget.value)} />
            <Button type="submit" loading={send.isPending} w="fit-content">
              {t("commands.send")}
            </Button>
          </Stack>
        </form>
      )}
      <QueryState query={commands}>
        {(list) =>
          list.length === 0 ? (
            <Text>{t("commands.none")}</Text>
          ) : (
            <Table.ScrollContainer minWidth={720}>
              <Table data-testid="commands-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t("commands.requestedAt")}</Table.Th>
                    <Table.Th scope="col">{t("commands.action")}</Table.Th>
                    <Table.Th scope="col">{t("commands.status")}</Table.Th>
                    <Table.Th scope="col">{t("commands.response")}</Table.Th>
                    <Table.Th scope="col">{t("commands.completedAt")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((command) => (
                    <Table.Tr key={command.id}>
                      <Table.Td>{formatDateTime(command.requested_at, i18n.language)}</Table.Td>
                      <Table.Td>{command.action}</Table.Td>
                      <Table.Td>
                        <StatusBadge value={command.status} />
                      </Table.Td>
                      <Table.Td>
                        <Code block>{command.error ?? JSON.stringify(command.response ?? null)}</Code>
                      </Table.Td>
                      <Table.Td>{formatDateTime(command.completed_at, i18n.language)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
    </Stack>
  );
}
