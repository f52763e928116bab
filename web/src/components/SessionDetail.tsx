import { SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { POLL_MS } from "../api/queries";
import { formatDateTime, formatDuration, formatKw, formatKwh } from "../format";
import { MeterChart } from "./MeterChart";
import { PageTitle } from "./PageTitle";
import { QueryState } from "./QueryState";
import { StatusBadge } from "./StatusBadge";

/** One session with its live figures and meter chart (polled while it is active). */
export function SessionDetail() {
  const { sessionId = "" } = useParams();
  const { t, i18n } = useTranslation();
  const session = useQuery({
    queryKey: ["session", sessionId],
    queryFn: async () => unwrap(await api.GET("/v1/sessions/{session_id}", { params: { path: { session_id: sessionId } } })),
    refetchInterval: (query) => (query.state.data?.status === "active" ? POLL_MS.session : false),
  });
  const active = session.data?.status === "active";
  const samples = useQuery({
    queryKey: ["meter-samples", sessionId],
    queryFn: async () => unwrap(await api.GET("/v1/sessions/{session_id}/meter-samples", { params: { path: { session_id: sessionId } } })),
    refetchInterval: active ? POLL_MS.session : false,
  });
  const locale = i18n.language;
  return (
    <Stack>
      <PageTitle text={t("sessions.detail", { id: sessionId.slice(0, 8) })} />
      <QueryState query={session}>
        {(s) => (
          <SimpleGrid cols={{ base: 2, md: 4 }}>
            {[
              [t("sessions.status"), <StatusBadge key="s" value={s.status} />],
              [t("sessions.charger"), `${s.charge_point_id} / ${s.connector_id}`],
              [t("sessions.started"), formatDateTime(s.started_at, locale)],
              [t("sessions.stopped"), formatDateTime(s.stopped_at, locale)],
              [t("sessions.energy"), formatKwh(s.energy_wh, locale)],
              [t("sessions.duration"), formatDuration(s.duration_s)],
              [t("sessions.power"), formatKw(s.power_w, locale)],
              [t("sessions.soc"), s.soc_percent !== null && s.soc_percent !== undefined ? `${s.soc_percent} %` : "–"],
              [t("sessions.token"), s.id_tag ?? "–"],
              [t("sessions.reason"), s.stop_reason ?? "–"],
            ].map(([label, value], index) => (
              <div key={index}>
                <Text size="sm" c="dimmed">
                  {label}
                </Text>
                <Text component="div" data-testid={index === 4 ? "session-energy" : undefined}>
                  {value}
                </Text>
              </div>
            ))}
          </SimpleGrid>
        )}
      </QueryState>
      <Title order={2} size="h3">
        {t("sessions.meter")}
      </Title>
      <QueryState query={samples}>{(list) => (list.length === 0 ? <Text>{t("sessions.noSamples")}</Text> : <MeterChart samples={list} />)}</QueryState>
    </Stack>
  );
}
