import { Alert, Button, Group, SimpleGrid, Stack, Table, Tabs, Text } from "@mantine/core";
import { notify } from "../notify";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { fetchConnectors, POLL_MS } from "../api/queries";
import { useAuth } from "../auth/AuthProvider";
import { consoleAccess } from "./access";
import { OneTimePassword } from "../components/OneTimePassword";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { SessionsTable } from "../components/SessionsList";
import { StatusBadge } from "../components/StatusBadge";
import { formatDateTime } from "../format";
import { CommandsPanel } from "./CommandsPanel";
import { FramesPanel } from "./FramesPanel";
import { LocationEditor } from "./LocationEditor";
import { EquipmentPanel } from "./operations/SecurityEquipment";

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text component="div">{children}</Text>
    </div>
  );
}

export function ChargerDetail() {
  const { cpId = "" } = useParams();
  const { t, i18n } = useTranslation();
  const { can, user } = useAuth();
  const queryClient = useQueryClient();
  const access = consoleAccess(user?.roles ?? []);
  const charger = useQuery({
    queryKey: ["charge-point", cpId],
    queryFn: async () => unwrap(await api.GET("/v1/charge-points/{cp_id}", { params: { path: { cp_id: cpId } } })),
    refetchInterval: POLL_MS.charger,
  });
  const connectors = useQuery({ queryKey: ["connectors", cpId], queryFn: () => fetchConnectors(cpId), refetchInterval: POLL_MS.charger });
  const history = useQuery({
    queryKey: ["status-history", cpId],
    queryFn: async () => unwrap(await api.GET("/v1/charge-points/{cp_id}/status-history", { params: { path: { cp_id: cpId }, query: { limit: 50 } } })),
    refetchInterval: POLL_MS.dashboard,
  });
  const sessions = useQuery({
    queryKey: ["sessions", { charge_point_id: cpId }],
    queryFn: async () => unwrap(await api.GET("/v1/sessions", { params: { query: { charge_point_id: cpId, limit: 50 } } })),
    refetchInterval: POLL_MS.dashboard,
  });
  const [newPassword, setNewPassword] = useState<string | null>(null);
  const rotate = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/charge-points/{cp_id}/password", { params: { path: { cp_id: cpId } }, body: {} })),
    onSuccess: (updated) => setNewPassword(updated.password),
    onError: (err) => notify(err.message, "red"),
  });
  const lifecycle = useMutation({
    mutationFn: async (step: "approve" | "retire") => {
      const path = { params: { path: { cp_id: cpId } } };
      return unwrap(step === "approve" ? await api.POST("/v1/charge-points/{cp_id}/approve", path) : await api.POST("/v1/charge-points/{cp_id}/retire", path));
    },
    onSuccess: (updated, step) => {
      queryClient.setQueryData(["charge-point", cpId], updated);
      void queryClient.invalidateQueries({ queryKey: ["charge-points"] });
      notify(t(step === "approve" ? "chargers.approved" : "chargers.retired", { id: cpId }));
    },
    onError: (err) => notify(err.message, "red"),
  });

  return (
    <Stack>
      <PageTitle text={cpId} />
      <QueryState query={charger}>
        {(cp) => (
          <Stack>
            <Group>
              <StatusBadge value={cp.online ? "online" : "offline"} />
              <StatusBadge value={cp.approval} />
              {can.approveAndRetire && cp.approval === "pending" && (
                <Button onClick={() => lifecycle.mutate("approve")} loading={lifecycle.isPending}>
                  {t("chargers.approve")}
                </Button>
              )}
              {can.provision && cp.approval !== "retired" && <LocationEditor key={cp.updated_at} cpId={cpId} location={cp.location} />}
              {can.provision && cp.approval !== "retired" && (
                <Button
                  variant="outline"
                  loading={rotate.isPending}
                  onClick={() => {
                    if (window.confirm(t("chargers.passwordConfirm", { id: cpId }))) rotate.mutate();
                  }}
                >
                  {t("chargers.replacePassword")}
                </Button>
              )}
              {can.approveAndRetire && cp.approval !== "retired" && (
                <Button
                  color="#b3261e"
                  variant="outline"
                  onClick={() => {
                    if (window.confirm(t("chargers.retireConfirm", { id: cpId }))) lifecycle.mutate("retire");
                  }}
                >
                  {t("chargers.retire")}
                </Button>
              )}
              {access.readAlerts && (
                <Button component={Link} variant="subtle" to={`/console/alerts?charge_point_id=${encodeURIComponent(cpId)}&status=`}>
                  {t("console.alerts.ofCharger")}
                </Button>
              )}
            </Group>
            <SimpleGrid cols={{ base: 2, md: 4 }}>
              <Fact label={t("chargers.vendor")}>{cp.vendor ?? "–"}</Fact>
              <Fact label={t("chargers.model")}>{cp.model ?? "–"}</Fact>
              <Fact label={t("chargers.ocpp")}>{cp.ocpp_version}</Fact>
              <Fact label={t("chargers.firmware")}>{cp.firmware_version ?? "–"}</Fact>
              <Fact label={t("chargers.serial")}>{cp.serial_number ?? "–"}</Fact>
              <Fact label={t("chargers.site")}>{[cp.location.site_name, cp.location.address].filter(Boolean).join(", ") || "–"}</Fact>
              <Fact label={t("chargers.lastSeen")}>{formatDateTime(cp.last_seen_at, i18n.language)}</Fact>
              <Fact label={t("chargers.lastBoot")}>{formatDateTime(cp.last_boot_at, i18n.language)}</Fact>
            </SimpleGrid>
          </Stack>
        )}
      </QueryState>
      <Tabs defaultValue="connectors" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="connectors">{t("connectors.title")}</Tabs.Tab>
          <Tabs.Tab value="sessions">{t("sessions.title")}</Tabs.Tab>
          <Tabs.Tab value="commands">{t("commands.title")}</Tabs.Tab>
          {can.readFrames && <Tabs.Tab value="frames">{t("frames.title")}</Tabs.Tab>}
          {access.securityEquipment && <Tabs.Tab value="equipment">{t("console.equipment.title")}</Tabs.Tab>}
        </Tabs.List>
        <Tabs.Panel value="connectors" pt="md">
          <Stack>
            <Text size="sm" c="dimmed">
              {t("app.live", { seconds: POLL_MS.charger / 1000 })}
            </Text>
            <QueryState query={connectors}>
              {(list) =>
                list.length === 0 ? (
                  <Text>{t("connectors.none")}</Text>
                ) : (
                  <Table data-testid="connectors-table">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th scope="col">{t("connectors.connector")}</Table.Th>
                        <Table.Th scope="col">{t("connectors.status")}</Table.Th>
                        <Table.Th scope="col">{t("connectors.errorCode")}</Table.Th>
                        <Table.Th scope="col">{t("connectors.since")}</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {list.map((c) => (
                        <Table.Tr key={`${c.evse_id ?? 0}-${c.connector_id}`}>
                          <Table.Td>{c.evse_id !== null && c.evse_id !== undefined ? `${c.evse_id}/${c.connector_id}` : c.connector_id}</Table.Td>
                          <Table.Td>
                            <StatusBadge value={c.status} />
                          </Table.Td>
                          <Table.Td>{c.error_code ?? "–"}</Table.Td>
                          <Table.Td>{formatDateTime(c.changed_at, i18n.language)}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                )
              }
            </QueryState>
            <Text fw={600}>{t("history.title")}</Text>
            <QueryState query={history}>
              {(list) => (
                <Table data-testid="status-history">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">{t("history.at")}</Table.Th>
                      <Table.Th scope="col">{t("connectors.connector")}</Table.Th>
                      <Table.Th scope="col">{t("connectors.status")}</Table.Th>
                      <Table.Th scope="col">{t("connectors.errorCode")}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {list.map((h, index) => (
                      <Table.Tr key={`${h.at}-${h.connector_id}-${index}`}>
                        <Table.Td>{formatDateTime(h.at, i18n.language)}</Table.Td>
                        <Table.Td>{h.connector_id}</Table.Td>
                        <Table.Td>
                          <StatusBadge value={h.status} />
                        </Table.Td>
                        <Table.Td>{h.error_code ?? "–"}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </QueryState>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="sessions" pt="md">
          <QueryState query={sessions}>{(list) => <SessionsTable sessions={list} base="/console/sessions" />}</QueryState>
        </Tabs.Panel>
        <Tabs.Panel value="commands" pt="md">
          {charger.data ? <CommandsPanel cpId={cpId} ocppVersion={charger.data.ocpp_version} /> : null}
        </Tabs.Panel>
        {can.readFrames && (
          <Tabs.Panel value="frames" pt="md">
            <FramesPanel cpId={cpId} />
          </Tabs.Panel>
        )}
        {access.securityEquipment && (
          <Tabs.Panel value="equipment" pt="md">
            <EquipmentPanel cpId={cpId} />
          </Tabs.Panel>
        )}
      </Tabs>
      <OneTimePassword chargerId={cpId} password={newPassword} onDone={() => setNewPassword(null)} />
      {lifecycle.isError && <Alert color="red">{lifecycle.error.message}</Alert>}
    </Stack>
  );
}
