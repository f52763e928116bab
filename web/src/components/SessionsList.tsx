import { Anchor, Group, NativeSelect, Stack, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import type { Schemas } from "../api/client";
import { useAuth } from "../auth/AuthProvider";
import { fetchSessions, POLL_MS } from "../api/queries";
import { formatDateTime, formatDuration, formatKwh } from "../format";
import { PageTitle } from "./PageTitle";
import { QueryState } from "./QueryState";
import { StatusBadge } from "./StatusBadge";

type Session = Schemas["SessionOut"];

export function SessionsTable({ sessions, base }: { sessions: Session[]; base: string }) {
  const { t, i18n } = useTranslation();
  if (sessions.length === 0) return <Text>{t("sessions.none")}</Text>;
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped data-testid="sessions-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("sessions.started")}</Table.Th>
            <Table.Th scope="col">{t("sessions.charger")}</Table.Th>
            <Table.Th scope="col">{t("sessions.status")}</Table.Th>
            <Table.Th scope="col">{t("sessions.energy")}</Table.Th>
            <Table.Th scope="col">{t("sessions.duration")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sessions.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td>
                <Anchor component={Link} to={`${base}/${s.id}`}>
                  {formatDateTime(s.started_at, i18n.language)}
                </Anchor>
              </Table.Td>
              <Table.Td>
                {s.charge_point_id} / {s.connector_id}
              </Table.Td>
              <Table.Td>
                <StatusBadge value={s.status} />
              </Table.Td>
              <Table.Td>{formatKwh(s.energy_wh, i18n.language)}</Table.Td>
              <Table.Td>{formatDuration(s.duration_s)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Sessions: staff see all (filter by status), drivers only their own (the API decides). */
export function SessionsList({ base, staff = false }: { base: string; staff?: boolean }) {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const status = (params.get("status") ?? "") as "" | "active" | "stopped";
  const { user } = useAuth();
  const query = useQuery({
    queryKey: ["sessions", { status }],
    queryFn: () => fetchSessions(status ? { status } : {}),
    refetchInterval: POLL_MS.session,
    // The API gives a driver their own sessions only; a driver who is also staff gets all, so
    // "my sessions" keeps only theirs.
    select: staff ? undefined : (list: Session[]) => list.filter((s) => s.user_id === user?.id),
  });
  return (
    <Stack>
      <PageTitle text={staff ? t("sessions.title") : t("nav.mySessions")} />
      <Group>
        <NativeSelect
          label={t("sessions.filterStatus")}
          value={status}
          onChange={(e) => setParams(e.currentTarget.value ? { status: e.currentTarget.value } : {}, { replace: true })}
          data={[
            { value: "", label: t("app.all") },
            { value: "active", label: t("status.active") },
            { value: "stopped", label: t("status.stopped") },
          ]}
        />
      </Group>
      <QueryState query={query}>{(list) => <SessionsTable sessions={list} base={base} />}</QueryState>
    </Stack>
  );
}
