import { Alert, Button, Card, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";
import { unwrap } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { formatMoney } from "../money";
import { guestApi, keepClientSecret } from "./api";
import { GuestFrame } from "./GuestFrame";

/**
 * The page behind a connector's printed QR code (`/c/{cp}/{connector}`; the gateway answers a
 * browser with this page and an API client with the offer as JSON): the price per kWh first,
 * a worked example, the amount held on the card, and "pay and charge", with no account.
 */
export function GuestOffer() {
  const { cpId = "", connector = "1" } = useParams();
  const connectorId = Number(connector);
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const navigate = useNavigate();
  const offer = useQuery({
    queryKey: ["guest-offer", cpId, connectorId],
    queryFn: async () =>
      unwrap(
        await guestApi.GET("/c/{charge_point_id}/{connector_id}", {
          params: { path: { charge_point_id: cpId, connector_id: connectorId } },
          headers: { Accept: "application/json" },
        }),
      ),
  });
  const start = useMutation({
    mutationFn: async () =>
      unwrap(await guestApi.POST("/v1/guest/connectors/{charge_point_id}/{connector_id}/holds", { params: { path: { charge_point_id: cpId, connector_id: connectorId } } })),
    onSuccess: (started) => {
      keepClientSecret(started.link_token, started.client_secret);
      void navigate(`/guest#${started.link_token}`);
    },
  });
  return (
    <GuestFrame>
      <PageTitle text={t("guest.title", { charger: cpId, connector: connectorId })} />
      <QueryState query={offer}>
        {(o) => (
          <Stack>
            <Card withBorder>
              <Text size="sm" c="dimmed">
                {t("guest.pricePerKwh")}
              </Text>
              <Text fw={700} size="xl" data-testid="guest-price">
                {formatMoney(o.price.energy_price_per_kwh_incl_vat_minor, o.currency, locale)} / kWh
              </Text>
              <Text size="sm">{t("guest.inclVat", { rate: o.price.vat_rate_bp / 100 })}</Text>
            </Card>
            <Title order={2} size="h4">
              {t("guest.example")}
            </Title>
            <Table>
              <Table.Tbody>
                {o.price.example_20_kwh.lines.map((line, index) => (
                  <Table.Tr key={index}>
                    <Table.Td>{line.description}</Table.Td>
                    <Table.Td ta="right">{formatMoney(line.amount_minor, o.currency, locale)}</Table.Td>
                  </Table.Tr>
                ))}
                <Table.Tr>
                  <Table.Td>{t("myInvoices.vat", { rate: o.price.vat_rate_bp / 100 })}</Table.Td>
                  <Table.Td ta="right">{formatMoney(o.price.example_20_kwh.vat_minor, o.currency, locale)}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>{t("myInvoices.total")}</Table.Th>
                  <Table.Th ta="right">{formatMoney(o.price.example_20_kwh.total_minor, o.currency, locale)}</Table.Th>
                </Table.Tr>
              </Table.Tbody>
            </Table>
            <Text size="sm">{t("guest.holdExplained", { amount: formatMoney(o.hold_amount_minor, o.currency, locale) })}</Text>
            {start.isError && (
              <Alert color="red" role="alert">
                {start.error.message}
              </Alert>
            )}
            <Button size="lg" onClick={() => start.mutate()} loading={start.isPending}>
              {t("guest.payAndCharge")}
            </Button>
          </Stack>
        )}
      </QueryState>
    </GuestFrame>
  );
}
