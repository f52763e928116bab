import { Anchor, Button, Group, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { useAuth } from "../../auth/AuthProvider";
import { PageTitle } from "../../components/PageTitle";
import { QueryState } from "../../components/QueryState";
import { formatDateTime, formatKwh } from "../../format";
import { notify } from "../../notify";
import { consoleAccess } from "../access";
import { formatMoney, parseMajor } from "../pricing";
import { download, StateBadge } from "../ui";

/** An invoice: lines, payments, refunds; staff refund all or part of what was paid. */
export function InvoiceDetail() {
  const { invoiceId = "" } = useParams();
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const access = consoleAccess(user?.roles ?? []);
  const queryClient = useQueryClient();
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const key = ["invoice", invoiceId];
  const invoice = useQuery({ queryKey: key, queryFn: async () => unwrap(await api.GET("/v1/invoices/{invoice_id}", { params: { path: { invoice_id: invoiceId } } })) });
  const refund = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/invoices/{invoice_id}/refunds", {
          params: { path: { invoice_id: invoiceId } },
          body: { reason: reason.trim(), amount_minor: amount.trim() ? parseMajor(amount) : null },
        }),
      ),
    onSuccess: (saved) => {
      queryClient.setQueryData(key, saved);
      void queryClient.invalidateQueries({ queryKey: ["invoices"] });
      setAmount("");
      setReason("");
      notify(t("console.invoices.refundDone"));
    },
    onError: (error) => notify(error.message, "red"),
  });
  return (
    <QueryState query={invoice}>
      {(inv) => {
        const money = (minor: number) => formatMoney(minor, inv.currency, i18n.language);
        const refundable = inv.amount_paid_minor - inv.amount_refunded_minor;
        return (
          <Stack>
            <Anchor component={Link} to="/console/invoices" size="sm">
              {t("app.back")}
            </Anchor>
            <PageTitle text={t("console.invoices.detail", { number: inv.number })} />
            <Group>
              <StateBadge value={inv.status} />
              <Button variant="outline" size="xs" onClick={() => void download(`/v1/invoices/${inv.id}/receipt.pdf`, `${inv.number}.pdf`).catch((error: Error) => notify(error.message, "red"))}>
                {t("console.invoices.receipt")}
              </Button>
            </Group>
            <Paper withBorder p="md">
              <SimpleGrid cols={{ base: 1, sm: 3 }}>
                <Text size="sm">
                  {t("console.invoices.driver")}:{" "}
                  {inv.user_id ? (
                    <Anchor component={Link} to={`/console/drivers/${inv.user_id}`}>
                      {inv.user_id}
                    </Anchor>
                  ) : (
                    t("console.invoices.guest")
                  )}
                </Text>
                <Text size="sm">
                  {t("console.invoices.session")}: {inv.session_id ? <Anchor component={Link} to={`/console/sessions/${inv.session_id}`}>{inv.session_id}</Anchor> : "–"}
                </Text>
                <Text size="sm">
                  {t("console.invoices.energy")}: {formatKwh(inv.energy_wh, i18n.language)}
                </Text>
                <Text size="sm">
                  {t("console.invoices.issued")}: {formatDateTime(inv.issued_at, i18n.language)}
                </Text>
                <Text size="sm">
                  {t("console.invoices.paid")}: {formatDateTime(inv.paid_at, i18n.language)}
                </Text>
                {inv.last_payment_error && (
                  <Text size="sm" c="red.9">
                    {inv.last_payment_error}
                  </Text>
                )}
              </SimpleGrid>
            </Paper>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("console.tariffs.line")}</Table.Th>
                  <Table.Th scope="col">{t("console.tariffs.quantity")}</Table.Th>
                  <Table.Th scope="col" ta="right">
                    {t("console.tariffs.amount")}
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {inv.lines.map((line, index) => (
                  <Table.Tr key={index}>
                    <Table.Td>{line.description}</Table.Td>
                    <Table.Td>
                      {line.quantity} {line.unit}
                    </Table.Td>
                    <Table.Td ta="right">{money(line.amount_minor)}</Table.Td>
                  </Table.Tr>
                ))}
                <Table.Tr>
                  <Table.Td colSpan={2}>{t("console.tariffs.vatLine", { percent: inv.vat_rate_bp / 100 })}</Table.Td>
                  <Table.Td ta="right">{money(inv.vat_minor)}</Table.Td>
                </Table.Tr>
                <Table.Tr fw={700}>
                  <Table.Td colSpan={2}>{t("console.tariffs.total")}</Table.Td>
                  <Table.Td ta="right">{money(inv.total_minor)}</Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
            <Title order={2} size="h3">
              {t("console.invoices.refunds")}
            </Title>
            {inv.refunds.length === 0 ? (
              <Text c="dimmed">{t("console.invoices.noRefunds")}</Text>
            ) : (
              inv.refunds.map((r) => (
                <Group key={r.id}>
                  <StateBadge value={r.status} />
                  <Text>{money(r.amount_minor)}</Text>
                  <Text size="sm">{r.reason}</Text>
                  <Text size="sm" c="dimmed">
                    {formatDateTime(r.created_at, i18n.language)}
                  </Text>
                </Group>
              ))
            )}
            {access.refund && refundable > 0 && (
              <Paper withBorder p="md">
                <form
                  onSubmit={(event) => {
                    event.preventDefault();
                    refund.mutate();
                  }}
                >
                  <Group align="end">
                    <TextInput label={t("console.invoices.refundAmount")} description={t("console.invoices.refundAmountHint", { amount: money(refundable) })} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={amount && parseMajor(amount) === null ? t("console.tariffs.invalidPrice") : undefined} />
                    <TextInput label={t("console.invoices.refundReason")} required minLength={3} maxLength={500} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
                    <Button type="submit" color="red.9" loading={refund.isPending} onClick={(event) => !window.confirm(t("console.invoices.refundConfirm")) && event.preventDefault()}>
                      {t("console.invoices.refund")}
                    </Button>
                  </Group>
                </form>
              </Paper>
            )}
          </Stack>
        );
      }}
    </QueryState>
  );
}
