import { Stack, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { costSoFar, formatMoney } from "../money";
import { notify } from "../notify";
import { LIVE_POLL_MS } from "../stripe/holds";
import { cardStartLive, cardStartPhase } from "./cardStarts";
import { LiveSessionView } from "./LiveSessionView";
import { useConnectorPrice } from "./Site";

/** A session started with the saved card, followed live until its invoice is paid by the card. */
export function CardSession() {
  const { startId = "" } = useParams();
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const queryClient = useQueryClient();
  const start = useQuery({
    queryKey: ["card-start", startId],
    queryFn: async () => unwrap(await api.GET("/v1/payments/card-starts/{start_id}", { params: { path: { start_id: startId } } })),
    refetchInterval: (query) => (query.state.data && !cardStartLive(query.state.data) ? false : LIVE_POLL_MS),
  });
  const price = useConnectorPrice(start.data?.charge_point_id ?? "", start.data?.connector_id ?? 1);
  const stop = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/payments/card-starts/{start_id}/stop", { params: { path: { start_id: startId } } })),
    onSuccess: () => {
      notify(t("charge.stopping"));
      void queryClient.invalidateQueries({ queryKey: ["card-start", startId] });
    },
    onError: (err) => notify(err.message, "red"),
  });
  return (
    <Stack>
      <PageTitle text={t("charge.session")} />
      <QueryState query={start}>
        {(s) => {
          const phase = cardStartPhase(s);
          const cost = price.data ? costSoFar(price.data, s.energy_wh) : null;
          return (
            <LiveSessionView
              testId="session"
              session={s}
              phaseText={t(`charge.phase.${phase}`)}
              cost={{ label: t("charge.costSoFar"), value: cost !== null ? formatMoney(cost, s.currency, locale) : "–" }}
              notice={s.cancel_reason ? t("charge.notStarted", { reason: s.cancel_reason }) : null}
              canStop={(phase === "starting" || phase === "charging") && !s.stop_requested_at}
              stopping={stop.isPending}
              onStop={() => stop.mutate()}
            >
              <Text size="sm" c="dimmed">
                {t("charge.cardNote")}
              </Text>
            </LiveSessionView>
          );
        }}
      </QueryState>
    </Stack>
  );
}
