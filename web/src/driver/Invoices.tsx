import { Alert, Anchor, Button, Card, Group, Stack, Table, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StatusBadge } from "../components/StatusBadge";
import { formatDateTime, formatKwh } from "../format";
import { formatMoney } from "../money";
import { notify } from "../notify";
import { saveBlob } from "./receipt";

/** The driver's invoices, one per session (the API lists only their own). */
export function Invoices() {
  const { t, i18n } = useTranslation();
  const invoices = useQuery({
    queryKey: ["invoices"],
    queryFn: async () => unwrap(await api.GET("/v1/invoices", { params: { query: { limit: 100 } } })),
    refetchInterval: 10_000,
  });
  return (
    <Stack>
      <PageTitle text={t("myInvoices.title")} />
      <QueryState query={invoices}>
        {(list) =>
          list.length === 0 ? (
            <Text>{t("myInvoices.none")}</Text>
          ) : (
            <Stack gap="sm">
              {list.map((inv) => (
                <Card withBorder key={inv.id} component="article" aria-label={inv.number} data-testid={`invoice-${inv.session_id ?? inv.id}`}>
                  <Group justify="space-between" wrap="nowrap">
                    <div>
                      <Anchor component={Link} to={`/app/invoices/${inv.id}`} fw={600}>
                        {inv.number}
                      </Anchor>
                      <Text size="sm" c="dimmed">
                        {formatDateTime(inv.issued_at, i18n.language)} · {inv.charge_point_id ?? "–"}
                      </Text>
                    </div>
                    <Stack gap={4} align="flex-end">
                      <Text fw={600}>{formatMoney(inv.total_minor, inv.currency, i18n.language)}</Text>
                      <StatusBadge value={inv.status} />
                    </Stack>
                  </Group>
                </Card>
              ))}
            </Stack>
          )
        }
      </QueryState>
    </Stack>
  );
}

export function InvoiceDetail() {
  const { invoiceId = "" } = useParams();
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const locale = i18n.language;
  const invoice = useQuery({
    queryKey: ["invoice", invoiceId],
    queryFn: async () => unwrap(await api.GET("/v1/invoices/{invoice_id}", { params: { path: { invoice_id: invoiceId } } })),
  });
  const receipt = useMutation({
    mutationFn: async (number: string) => {
      const result = await api.GET("/v1/invoices/{invoice_id}/receipt.pdf", { params: { path: { invoice_id: invoiceId } }, parseAs: "blob" });
      saveBlob(unwrap(result) as Blob, `receipt-${number}.pdf`);
    },
    onError: (err) => notify(err.message, "red"),
  });
  const pay = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/invoices/{invoice_id}/pay", { params: { path: { invoice_id: invoiceId } }, body: {} })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["invoice", invoiceId] }),
    onError: (err) => notify(err.message, "red"),
  });
  return (
    <QueryState query={invoice}>
      {(inv) => (
        <Stack>
          <PageTitle text={t("myInvoices.detail", { number: inv.number })} />
          <Group>
            <StatusBadge value={inv.status} />
            <Text>{formatDateTime(inv.issued_at, locale)}</Text>
          </Group>
          <Text>
            {t("myInvoices.session", { charger: inv.charge_point_id ?? "–", connector: inv.connector_id ?? "–", energy: formatKwh(inv.energy_wh, locale) })}
          </Text>
          <Table.ScrollContainer minWidth={320}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("myInvoices.line")}</Table.Th>
                  <Table.Th>{t("myInvoices.quantity")}</Table.Th>
                  <Table.Th ta="right">{t("myInvoices.amount")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {inv.lines.map((line, index) => (
                  <Table.Tr key={index}>
                    <Table.Td>{line.description}</Table.Td>
                    <Table.Td>
                      {line.quantity} {line.unit}
                    </Table.Td>
                    <Table.Td ta="right">{formatMoney(line.amount_minor, inv.currency, locale)}</Table.Td>
                  </Table.Tr>
                ))}
                <Table.Tr>
                  <Table.Td colSpan={2}>{t("myInvoices.vat", { rate: inv.vat_rate_bp / 100 })}</Table.Td>
                  <Table.Td ta="right">{formatMoney(inv.vat_minor, inv.currency, locale)}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th colSpan={2}>{t("myInvoices.total")}</Table.Th>
                  <Table.Th ta="right" data-testid="invoice-total">
                    {formatMoney(inv.total_minor, inv.currency, locale)}
                  </Table.Th>
                </Table.Tr>
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {inv.last_payment_error && (
            <Alert color="red" title={t("myInvoices.paymentFailed")}>
              {inv.last_payment_error}
            </Alert>
          )}
          <Group>
            <Button onClick={() => receipt.mutate(inv.number)} loading={receipt.isPending}>
              {t("myInvoices.receipt")}
            </Button>
            {inv.status === "open" && (
              <Button variant="outline" onClick={() => pay.mutate()} loading={pay.isPending}>
                {t("myInvoices.payNow")}
              </Button>
            )}
            <Button
              variant="subtle"
              component={Link}
              to={`/app/support/new?invoice=${inv.id}${inv.session_id ? `&session=${inv.session_id}` : ""}${inv.charge_point_id ? `&charger=${encodeURIComponent(inv.charge_point_id)}` : ""}`}
            >
              {t("help.ask")}
            </Button>
          </Group>
        </Stack>
      )}
    </QueryState>
  );
}
