import { Anchor, Button, Group, Modal, NativeSelect, Stack, TextInput, Textarea } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { api, unwrap, type Schemas } from "../../api/client";
import { POLL_MS } from "../../api/queries";
import { PageTitle } from "../../components/PageTitle";
import { formatDateTime } from "../../format";
import { notify } from "../../notify";
import { RecordTable } from "../RecordTable";
import { StateBadge } from "../ui";

type WorkOrder = Schemas["WorkOrderOut"];
export type WorkOrderStatus = WorkOrder["status"];
export type Priority = WorkOrder["priority"];
export const WORK_ORDER_STATUSES: WorkOrderStatus[] = ["open", "assigned", "in_progress", "on_hold", "done", "cancelled"];
export const PRIORITIES: Priority[] = ["low", "normal", "high", "urgent"];
const UNFINISHED: WorkOrderStatus[] = ["open", "assigned", "in_progress", "on_hold"];

function NewWorkOrder({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [title, setTitle] = useState("");
  const [cpId, setCpId] = useState("");
  const [priority, setPriority] = useState<Priority>("normal");
  const [description, setDescription] = useState("");
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/work-orders", {
          body: { title: title.trim(), charge_point_id: cpId.trim(), priority, description: description.trim() || null, requires_inoperative: false },
        }),
      ),
    onSuccess: (order) => {
      onClose();
      void navigate(`/console/work-orders/${order.id}`);
    },
    onError: (error) => notify(error.message, "red"),
  });
  return (
    <Modal opened={opened} onClose={onClose} title={t("console.workOrders.new")} closeButtonProps={{ "aria-label": t("app.close") }}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <Stack>
          <TextInput label={t("console.workOrders.titleField")} required value={title} onChange={(e) => setTitle(e.currentTarget.value)} maxLength={200} />
          <TextInput label={t("console.workOrders.charger")} required value={cpId} onChange={(e) => setCpId(e.currentTarget.value)} />
          <NativeSelect label={t("console.workOrders.priority")} value={priority} onChange={(e) => setPriority(e.currentTarget.value as Priority)} data={PRIORITIES.map((value) => ({ value, label: t(`console.states.${value}`) }))} />
          <Textarea label={t("console.workOrders.description")} value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} />
          <Group justify="flex-end">
            <Button type="submit" loading={create.isPending}>
              {t("console.workOrders.create")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Work orders: from operators, failed inspection items and alerts. */
export function WorkOrders() {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState<"unfinished" | WorkOrderStatus | "">("unfinished");
  const [creating, setCreating] = useState(false);
  const statuses = status === "unfinished" ? UNFINISHED : status ? [status] : [];
  const orders = useQuery({
    queryKey: ["work-orders", { statuses }],
    queryFn: async () => unwrap(await api.GET("/v1/work-orders", { params: { query: { limit: 200, ...(statuses.length ? { status: statuses } : {}) } } })),
    refetchInterval: POLL_MS.dashboard,
  });
  return (
    <Stack>
      <PageTitle text={t("console.workOrders.title")} />
      <Group align="end" justify="space-between">
        <NativeSelect
          label={t("console.workOrders.status")}
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value as typeof status)}
          data={[{ value: "unfinished", label: t("console.workOrders.unfinished") }, ...WORK_ORDER_STATUSES.map((value) => ({ value, label: t(`console.states.${value}`) })), { value: "", label: t("app.all") }]}
        />
        <Button onClick={() => setCreating(true)}>
          {t("console.workOrders.new")}
        </Button>
      </Group>
      <RecordTable
        query={orders}
        minWidth={760}
        empty={t("console.workOrders.none")}
        rowKey={(order) => order.id}
        columns={[
          {
            header: t("console.workOrders.titleField"),
            cell: (order) => (
              <Anchor component={Link} to={`/console/work-orders/${order.id}`}>
                {order.title}
              </Anchor>
            ),
          },
          { header: t("console.workOrders.charger"), cell: (order) => `${order.charge_point_id}${order.connector_id ? ` #${order.connector_id}` : ""}` },
          { header: t("console.workOrders.priority"), cell: (order) => <StateBadge value={order.priority} /> },
          { header: t("console.workOrders.status"), cell: (order) => <StateBadge value={order.status} /> },
          { header: t("console.workOrders.source"), cell: (order) => t(`console.workOrders.sources.${order.source}`) },
          { header: t("console.workOrders.assignee"), cell: (order) => order.assignee ?? "–" },
          { header: t("console.workOrders.created"), cell: (order) => formatDateTime(order.created_at, i18n.language) },
        ]}
      />
      <NewWorkOrder opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}
