import { Button, Card, Group, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap, type Schemas } from "../api/client";
import { POLL_MS } from "../api/queries";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StatusBadge } from "../components/StatusBadge";
import { formatMoney } from "../money";
import { BookingForm } from "./BookingForm";

/** Price in force for one connector (public, no token): the per-kWh price first (AFIR). */
export function useConnectorPrice(cpId: string, connectorId: number) {
  return useQuery({
    queryKey: ["price", cpId, connectorId],
    queryFn: async () =>
      unwrap(await api.GET("/v1/tariffs/current/{charge_point_id}/{connector_id}", { params: { path: { charge_point_id: cpId, connector_id: connectorId } } })),
    staleTime: 60_000,
    retry: false,
  });
}

export function PriceLine({ cpId, connectorId }: { cpId: string; connectorId: number }) {
  const { t, i18n } = useTranslation();
  const price = useConnectorPrice(cpId, connectorId);
  if (price.isPending) return <Text size="sm">{t("app.loading")}</Text>;
  if (price.isError || !price.data) return <Text size="sm">{t("charge.noPrice")}</Text>;
  const p = price.data;
  return (
    <Text size="sm" data-testid={`price-${cpId}-${connectorId}`}>
      {t("charge.perKwh", { price: formatMoney(p.energy_price_per_kwh_incl_vat_minor, p.currency, i18n.language) })} ·{" "}
      {t("charge.example", { total: formatMoney(p.example_20_kwh.total_minor, p.currency, i18n.language) })}
    </Text>
  );
}

function ConnectorCard({ cp, connector }: { cp: Schemas["ChargePointAvailabilityOut"]; connector: Schemas["ConnectorAvailabilityOut"] }) {
  const { t } = useTranslation();
  const [booking, setBooking] = useState(false);
  const free = cp.online && connector.in_service && (connector.status === "Available" || connector.status === null);
  return (
    <Card withBorder component="article" aria-label={`${cp.charge_point_id} ${t("sessions.connector")} ${connector.connector_id}`} data-testid={`connector-${cp.charge_point_id}-${connector.connector_id}`}>
      <Group justify="space-between" wrap="wrap">
        <div>
          <Text fw={600}>
            {t("sessions.connector")} {connector.connector_id}
          </Text>
          <PriceLine cpId={cp.charge_point_id} connectorId={connector.connector_id} />
        </div>
        <StatusBadge value={cp.online ? (connector.status ?? "unknown") : "offline"} />
      </Group>
      <Group mt="sm" gap="xs">
        <Button component={Link} to={`/app/charge/${encodeURIComponent(cp.charge_point_id)}/${connector.connector_id}`} disabled={!free} size="sm">
          {t("charge.start")}
        </Button>
        <Button variant="outline" size="sm" onClick={() => setBooking((b) => !b)} disabled={!connector.in_service}>
          {t("book.book")}
        </Button>
      </Group>
      {booking && <BookingForm cpId={cp.charge_point_id} connectorId={connector.connector_id} onDone={() => setBooking(false)} />}
    </Card>
  );
}

/** One site's chargers and connectors: live status (polled), price, start and book. */
export function Site() {
  const { site = "" } = useParams();
  const { t } = useTranslation();
  const availability = useQuery({
    queryKey: ["availability", { site }],
    queryFn: async () => unwrap(await api.GET("/v1/availability", { params: { query: { site } } })),
    refetchInterval: POLL_MS.charger,
  });
  return (
    <Stack>
      <PageTitle text={site} />
      <Text size="sm" c="dimmed">
        {t("app.live", { seconds: POLL_MS.charger / 1000 })}
      </Text>
      <QueryState query={availability}>
        {(answer) =>
          (answer.charge_points ?? []).length === 0 ? (
            <Text>{t("find.noSites")}</Text>
          ) : (
            <Stack>
              {(answer.charge_points ?? []).map((cp) => (
                <Stack key={cp.charge_point_id} gap="xs">
                  <Title order={2} size="h4">
                    {cp.charge_point_id} {cp.address ? `· ${cp.address}` : ""}
                  </Title>
                  {cp.connectors.map((connector) => (
                    <ConnectorCard key={connector.connector_id} cp={cp} connector={connector} />
                  ))}
                </Stack>
              ))}
            </Stack>
          )
        }
      </QueryState>
    </Stack>
  );
}
