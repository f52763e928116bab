import { Anchor, Button, Group, Modal, NativeSelect, Stack, Table, Text, Textarea } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { api, unwrap, type Schemas } from "../../api/client";
import { POLL_MS } from "../../api/queries";
import { useAuth } from "../../auth/AuthProvider";
import { PageTitle } from "../../components/PageTitle";
import { QueryState } from "../../components/QueryState";
import { formatDateTime } from "../../format";
import { notify } from "../../notify";
import { consoleAccess } from "../access";
import { StateBadge } from "../ui";

type Alert = Schemas["AlertOut"];
type Status = Alert["status"];
type Severity = Alert["severity"];
type Action = "acknowledge" | "resolve";

/** Alerts: open first; operators acknowledge and resolve (with a note), support reads. */
export function AlertsList() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const access = consoleAccess(user?.roles ?? []);
  const queryClient = useQueryClient();
  // From a charger's page: its alerts, whatever their status (`?charge_point_id=…&status=`).
  const [params] = useSearchParams();
  const chargePointId = params.get("charge_point_id") ?? "";
  const [status, setStatus] = useState<"active" | Status | "">((params.get("status") ?? "active") as "active" | Status | "");
  const [severity, setSeverity] = useState<Severity | "">("");
  const [acting, setActing] = useState<{ alert: Alert; action: Action } | null>(null);
  const [note, setNote] = useState("");
  const statuses: Status[] = status === "active" ? ["open", "acknowledged"] : status ? [status] : [];
  const alerts = useQuery({
    queryKey: ["alerts", { statuses, severity, chargePointId }],
    queryFn: async () =>
      unwrap(await api.GET("/v1/alerts", { params: { query: { limit: 200, ...(statuses.length ? { status: statuses } : {}), ...(severity ? { severity } : {}), ...(chargePointId ? { charge_point_id: chargePointId } : {}) } } })),
    refetchInterval: POLL_MS.dashboard,
  });
  const act = useMutation({
    mutationFn: async ({ alert, action }: { alert: Alert; action: Action }) => {
      const body = { note: note.trim() || null };
      const params = { path: { alert_id: alert.id } };
      return action === "acknowledge"
        ? unwrap(await api.POST("/v1/alerts/{alert_id}/acknowledge", { params, body }))
        : unwrap(await api.POST("/v1/alerts/{alert_id}/resolve", { params, body }));
    },
    onSuccess: (alert, { action }) => {
      notify(t(action === "acknowledge" ? "console.alerts.acknowledged" : "console.alerts.resolved", { title: alert.title }));
      setActing(null);
      setNote("");
      void queryClient.invalidateQueries({ queryKey: ["alerts"] });
    },
    onError: (error) => notify(error.message, "red"),
  });

  return (
    <Stack>
      <PageTitle text={chargePointId ? t("console.alerts.titleOf", { id: chargePointId }) : t("console.alerts.title")} />
      <Text size="sm" c="dimmed" role="note">
        {t("app.live", { seconds: POLL_MS.dashboard / 1000 })}
      </Text>
      <Group align="end">
        <NativeSelect
          label={t("console.alerts.status")}
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value as typeof status)}
          data={[
            { value: "active", label: t("console.alerts.activeOnly") },
            { value: "open", label: t("console.states.open") },
            { value: "acknowledged", label: t("console.states.acknowledged") },
            { value: "resolved", label: t("console.states.resolved") },
            { value: "", label: t("app.all") },
          ]}
        />
        <NativeSelect
          label={t("console.alerts.severity")}
          value={severity}
          onChange={(e) => setSeverity(e.currentTarget.value as Severity | "")}
          data={[{ value: "", label: t("app.all") }, ...(["high", "medium", "low"] as const).map((value) => ({ value, label: t(`console.states.${value}`) }))]}
        />
      </Group>
      <QueryState query={alerts}>
        {(list) =>
          list.length === 0 ? (
            <Text>{t("console.alerts.none")}</Text>
          ) : (
            <Table.ScrollContainer minWidth={820}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t("console.alerts.alert")}</Table.Th>
                    <Table.Th scope="col">{t("console.alerts.severity")}</Table.Th>
                    <Table.Th scope="col">{t("console.alerts.status")}</Table.Th>
                    <Table.Th scope="col">{t("console.alerts.charger")}</Table.Th>
                    <Table.Th scope="col">{t("console.alerts.opened")}</Table.Th>
                    <Table.Th scope="col">{t("console.alerts.occurrences")}</Table.Th>
                    <Table.Th scope="col">{t("console.alerts.handledBy")}</Table.Th>
                    {access.handleAlerts && <Table.Th scope="col">{t("console.alerts.actions")}</Table.Th>}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((alert) => (
                    <Table.Tr key={alert.id} data-testid={`alert-${alert.kind}`}>
                      <Table.Td>{alert.title}</Table.Td>
                      <Table.Td>
                        <StateBadge value={alert.severity} />
                      </Table.Td>
                      <Table.Td>
                        <StateBadge value={alert.status} />
                      </Table.Td>
                      <Table.Td>
                        {alert.charge_point_id ? (
                          <Anchor component={Link} to={`/console/chargers/${encodeURIComponent(alert.charge_point_id)}`}>
                            {alert.charge_point_id}
                            {alert.connector_id ? ` #${alert.connector_id}` : ""}
                          </Anchor>
                        ) : (
                          (alert.site ?? "–")
                        )}
                      </Table.Td>
                      <Table.Td>{formatDateTime(alert.opened_at, i18n.language)}</Table.Td>
                      <Table.Td>{alert.occurrences}</Table.Td>
                      <Table.Td>
                        <Text size="sm">{alert.resolved_by ?? alert.acknowledged_by ?? (alert.resolved_automatically ? t("console.alerts.automatically") : "–")}</Text>
                        {(alert.resolve_note ?? alert.acknowledge_note) && (
                          <Text size="xs" c="dimmed">
                            {alert.resolve_note ?? alert.acknowledge_note}
                          </Text>
                        )}
                      </Table.Td>
                      {access.handleAlerts && (
                        <Table.Td>
                          <Group gap="xs" wrap="nowrap">
                            {alert.status === "open" && (
                              <Button size="xs" variant="outline" onClick={() => setActing({ alert, action: "acknowledge" })}>
                                {t("console.alerts.acknowledge")}
                              </Button>
                            )}
                            {alert.status !== "resolved" && (
                              <Button size="xs" onClick={() => setActing({ alert, action: "resolve" })}>
                                {t("console.alerts.resolve")}
                              </Button>
                            )}
                          </Group>
                        </Table.Td>
                      )}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
      <Modal
        opened={acting !== null}
        onClose={() => setActing(null)}
        title={acting ? t(acting.action === "acknowledge" ? "console.alerts.acknowledgeTitle" : "console.alerts.resolveTitle", { title: acting.alert.title }) : ""}
        closeButtonProps={{ "aria-label": t("app.close") }}
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (acting) act.mutate(acting);
          }}
        >
          <Stack>
            <Textarea label={t("console.alerts.note")} value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} maxLength={1000} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setActing(null)}>
                {t("app.cancel")}
              </Button>
              <Button type="submit" loading={act.isPending}>
                {acting?.action === "acknowledge" ? t("console.alerts.acknowledge") : t("console.alerts.resolve")}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Stack>
  );
}
