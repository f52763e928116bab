import { Anchor, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQueries, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap, type Schemas } from "../api/client";
import { fetchChargers, fetchConnectors, fetchSessions, POLL_MS } from "../api/queries";
import { useAuth } from "../auth/AuthProvider";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StationMap, type MapPoint } from "../components/StationMap";
import { chargerState, FAULTED, intlLocale } from "../format";
import { consoleAccess } from "./access";
import { formatMoney } from "./pricing";
import { localDay } from "./ui";

const FAULT_POLL_LIMIT = 200;

function Figure({ label, value, testId }: { label: string; value: number | string; testId: string }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fz={32} fw={700} data-testid={testId}>
        {value}
      </Text>
    </Paper>
  );
}

/** Energy and revenue today (analytics, operators and admins), open alerts by severity. */
function TodayAndAlerts() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const access = consoleAccess(user?.roles ?? []);
  const today = localDay(new Date());
  const stats = useQuery({
    queryKey: ["stats-network", "today", today],
    queryFn: async () => unwrap(await api.GET("/v1/stats/network", { params: { query: { from: today, to: today, granularity: "day" } } })) as Schemas["NetworkRow"][],
    refetchInterval: POLL_MS.dashboard,
    enabled: access.networkStats,
  });
  const alerts = useQuery({
    queryKey: ["alerts", "unresolved"],
    queryFn: async () => unwrap(await api.GET("/v1/alerts", { params: { query: { status: ["open", "acknowledged"], limit: 500 } } })),
    refetchInterval: POLL_MS.dashboard,
    enabled: access.readAlerts,
  });
  const rows = stats.data ?? [];
  const energy = rows.reduce((sum, row) => sum + row.energy_kwh, 0);
  const revenue = rows.reduce((sum, row) => sum + row.revenue_minor, 0);
  const open = (severity: string) => (alerts.data ? alerts.data.filter((alert) => alert.severity === severity).length : "–");
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }}>
      {access.networkStats && (
        <>
          <Figure label={t("console.dashboardMore.energyToday")} value={stats.data ? `${new Intl.NumberFormat(intlLocale(i18n.language), { maximumFractionDigits: 1 }).format(energy)} kWh` : "–"} testId="energy-today" />
          <Figure label={t("console.dashboardMore.revenueToday")} value={stats.data ? formatMoney(revenue, rows[0]?.currency ?? "SEK", i18n.language) : "–"} testId="revenue-today" />
        </>
      )}
      {access.readAlerts &&
        (["high", "medium", "low"] as const).map((severity) => (
          <Figure key={severity} label={t(`console.dashboardMore.alerts.${severity}`)} value={open(severity)} testId={`alerts-${severity}`} />
        ))}
      {access.readAlerts && (
        <Anchor component={Link} to="/console/alerts" size="sm">
          {t("console.dashboardMore.allAlerts")}
        </Anchor>
      )}
    </SimpleGrid>
  );
}

/**
 * The network now. Live by polling: chargers, sessions, alerts and today's figures every 10 s;
 * connectors of the online chargers (for "faulted") with the same period. The gateway has no
 * server push yet.
 */
export function Dashboard() {
  const { t } = useTranslation();
  const seconds = POLL_MS.dashboard / 1000;
  const chargers = useQuery({ queryKey: ["charge-points", "all"], queryFn: () => fetchChargers(), refetchInterval: POLL_MS.dashboard });
  const active = useQuery({ queryKey: ["sessions", { status: "active" }], queryFn: () => fetchSessions({ status: "active" }), refetchInterval: POLL_MS.dashboard });
  const online = (chargers.data ?? []).filter((cp) => cp.online && cp.approval !== "retired");
  // "Faulted" needs each charger's connectors: one request per online charger, so only for
  // networks up to FAULT_POLL_LIMIT chargers until a network summary endpoint exists.
  const checkFaults = online.length <= FAULT_POLL_LIMIT;
  const connectorQueries = useQueries({
    queries: (checkFaults ? online : []).map((cp) => ({
      queryKey: ["connectors", cp.id],
      queryFn: () => fetchConnectors(cp.id),
      refetchInterval: POLL_MS.dashboard,
    })),
  });
  const faulted = useMemo(() => {
    const ids = new Set<string>();
    online.forEach((cp, index) => {
      if ((connectorQueries[index]?.data ?? []).some((c) => c.status === FAULTED)) ids.add(cp.id);
    });
    return ids;
  }, [online, connectorQueries]);

  const points: MapPoint[] = [];
  let withoutCoordinates = 0;
  for (const cp of chargers.data ?? []) {
    if (cp.approval === "retired") continue;
    const { latitude, longitude, site_name } = cp.location;
    if (latitude === null || latitude === undefined || longitude === null || longitude === undefined) {
      withoutCoordinates += 1;
      continue;
    }
    points.push({
      id: cp.id,
      latitude,
      longitude,
      state: chargerState(cp, faulted.has(cp.id)),
      label: site_name ? `${cp.id} · ${site_name}` : cp.id,
      href: `/console/chargers/${encodeURIComponent(cp.id)}`,
    });
  }

  return (
    <Stack>
      <PageTitle text={t("dashboard.title")} />
      <Text size="sm" c="dimmed" role="note">
        {t("dashboard.polling", { seconds })}
      </Text>
      <QueryState query={chargers}>
        {(list) => {
          const live = list.filter((cp) => cp.approval !== "retired");
          return (
            <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }}>
              <Figure label={t("dashboard.chargersOnline")} value={live.filter((cp) => cp.online).length} testId="online-count" />
              <Figure label={t("dashboard.chargersOffline")} value={live.filter((cp) => !cp.online && cp.approval === "approved").length} testId="offline-count" />
              <Figure label={t("dashboard.chargersFaulted")} value={checkFaults ? faulted.size : "–"} testId="faulted-count" />
              <Figure label={t("dashboard.sessionsNow")} value={active.data?.length ?? "–"} testId="sessions-now" />
              <Figure label={t("dashboard.pendingApproval")} value={live.filter((cp) => cp.approval === "pending").length} testId="pending-count" />
            </SimpleGrid>
          );
        }}
      </QueryState>
      <TodayAndAlerts />
      <Title order={2} size="h3">
        {t("dashboard.map")}
      </Title>
      <StationMap points={points} label={t("dashboard.map")} legend={["online", "faulted", "offline", "pending"]} />
      {withoutCoordinates > 0 && (
        <Text size="sm" c="dimmed">
          {t("dashboard.noCoordinates", { count: withoutCoordinates })}
        </Text>
      )}
    </Stack>
  );
}
