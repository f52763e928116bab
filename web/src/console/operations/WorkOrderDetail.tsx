import { Anchor, Button, Group, NativeSelect, Paper, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap, type Schemas } from "../../api/client";
import { POLL_MS } from "../../api/queries";
import { PageTitle } from "../../components/PageTitle";
import { QueryState } from "../../components/QueryState";
import { formatDateTime } from "../../format";
import { notify } from "../../notify";
import { StateBadge } from "../ui";
import { PRIORITIES, WORK_ORDER_STATUSES, type Priority, type WorkOrderStatus } from "./WorkOrders";

type Update = Schemas["WorkOrderUpdate"];

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <div>{children}</div>
    </div>
  );
}

export function WorkOrderDetail() {
  const { workOrderId = "" } = useParams();
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [note, setNote] = useState("");
  const [assignee, setAssignee] = useState<string | null>(null);
  const key = ["work-order", workOrderId];
  const order = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET("/v1/work-orders/{work_order_id}", { params: { path: { work_order_id: workOrderId } } })),
    refetchInterval: POLL_MS.charger,
  });
  const update = useMutation({
    mutationFn: async (body: Update) => unwrap(await api.PATCH("/v1/work-orders/{work_order_id}", { params: { path: { work_order_id: workOrderId } }, body })),
    onSuccess: (saved) => {
      queryClient.setQueryData(key, saved);
      void queryClient.invalidateQueries({ queryKey: ["work-orders"] });
      notify(t("console.workOrders.saved"));
    },
    onError: (error) => notify(error.message, "red"),
  });
  const addNote = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/work-orders/{work_order_id}/notes", { params: { path: { work_order_id: workOrderId } }, body: { body: note.trim() } })),
    onSuccess: (saved) => {
      queryClient.setQueryData(key, saved);
      setNote("");
    },
    onError: (error) => notify(error.message, "red"),
  });

  return (
    <QueryState query={order}>
      {(wo) => {
        const finished = wo.status === "done" || wo.status === "cancelled";
        return (
          <Stack>
            <Anchor component={Link} to="/console/work-orders" size="sm">
              {t("app.back")}
            </Anchor>
            <PageTitle text={wo.title} />
            <Group>
              <StateBadge value={wo.status} />
              <StateBadge value={wo.priority} />
            </Group>
            <Paper withBorder p="md">
              <SimpleGrid cols={{ base: 1, sm: 3 }}>
                <Fact label={t("console.workOrders.charger")}>
                  <Anchor component={Link} to={`/console/chargers/${encodeURIComponent(wo.charge_point_id)}`}>
                    {wo.charge_point_id}
                    {wo.connector_id ? ` #${wo.connector_id}` : ""}
                  </Anchor>
                </Fact>
                <Fact label={t("console.workOrders.source")}>{t(`console.workOrders.sources.${wo.source}`)}</Fact>
                <Fact label={t("console.workOrders.assignee")}>{wo.assignee ?? "–"}</Fact>
                <Fact label={t("console.workOrders.created")}>{formatDateTime(wo.created_at, i18n.language)}</Fact>
                <Fact label={t("console.workOrders.closed")}>{formatDateTime(wo.closed_at, i18n.language)}</Fact>
                <Fact label={t("console.workOrders.availability")}>{wo.availability}</Fact>
              </SimpleGrid>
              {wo.description && (
                <Text mt="md" style={{ whiteSpace: "pre-wrap" }}>
                  {wo.description}
                </Text>
              )}
            </Paper>
            {!finished && (
              <Group align="end">
                <NativeSelect
                  label={t("console.workOrders.status")}
                  value={wo.status}
                  onChange={(e) => update.mutate({ status: e.currentTarget.value as WorkOrderStatus })}
                  data={WORK_ORDER_STATUSES.map((value) => ({ value, label: t(`console.states.${value}`) }))}
                />
                <NativeSelect
                  label={t("console.workOrders.priority")}
                  value={wo.priority}
                  onChange={(e) => update.mutate({ priority: e.currentTarget.value as Priority })}
                  data={PRIORITIES.map((value) => ({ value, label: t(`console.states.${value}`) }))}
                />
                <TextInput label={t("console.workOrders.assignee")} value={assignee ?? wo.assignee ?? ""} onChange={(e) => setAssignee(e.currentTarget.value)} />
                <Button variant="outline" disabled={assignee === null} onClick={() => update.mutate({ assignee: assignee?.trim() || null })}>
                  {t("console.workOrders.assign")}
                </Button>
                <Button onClick={() => update.mutate({ status: "done", note: note.trim() || null })} loading={update.isPending}>
                  {t("console.workOrders.close")}
                </Button>
              </Group>
            )}
            <Title order={2} size="h3">
              {t("console.workOrders.notes")}
            </Title>
            {(wo.notes ?? []).length === 0 && <Text c="dimmed">{t("console.workOrders.noNotes")}</Text>}
            {(wo.notes ?? []).map((entry, index) => (
              <Paper key={index} withBorder p="sm">
                <Text size="xs" c="dimmed">
                  {entry.author} · {formatDateTime(entry.at, i18n.language)}
                </Text>
                <Text style={{ whiteSpace: "pre-wrap" }}>{entry.body}</Text>
              </Paper>
            ))}
            <form
              onSubmit={(event) => {
                event.preventDefault();
                if (note.trim()) addNote.mutate();
              }}
            >
              <Stack gap="xs">
                <Textarea label={t("console.workOrders.addNote")} value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} maxLength={4000} />
                <Button type="submit" variant="outline" w="fit-content" loading={addNote.isPending}>
                  {t("console.workOrders.saveNote")}
                </Button>
              </Stack>
            </form>
          </Stack>
        );
      }}
    </QueryState>
  );
}
