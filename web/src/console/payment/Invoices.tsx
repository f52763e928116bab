import { Anchor, Group, NativeSelect, Stack, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../../api/client";
import { PageTitle } from "../../components/PageTitle";
import { QueryState } from "../../components/QueryState";
import { formatDateTime } from "../../format";
import { formatMoney } from "../pricing";
import { StateBadge } from "../ui";

type InvoiceStatus = "open" | "paid" | "recorded" | "void";

/** Every driver's invoices, newest first: support answers questions, refunds from the detail. */
export function Invoices() {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState<InvoiceStatus | "">("");
  const [userId, setUserId] = useState("");
  const [debounced] = useDebouncedValue(userId.trim(), 300);
  const invoices = useQuery({
    queryKey: ["invoices", { status, user: debounced }],
    queryFn: async () => unwrap(await api.GET("/v1/invoices", { params: { query: { limit: 200, ...(status ? { status } : {}), ...(debounced ? { user_id: debounced } : {}) } } })),
  });
  return (
    <Stack>
      <PageTitle text={t("console.invoices.title")} />
      <Group align="end">
        <NativeSelect
          label={t("console.invoices.status")}
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value as InvoiceStatus | "")}
          data={[{ value: "", label: t("app.all") }, ...(["open", "paid", "recorded", "void"] as const).map((value) => ({ value, label: t(`console.states.${value}`) }))]}
        />
        <TextInput label={t("console.invoices.driver")} value={userId} onChange={(e) => setUserId(e.currentTarget.value)} />
      </Group>
      <QueryState query={invoices}>
        {(list) =>
          list.length === 0 ? (
            <Text>{t("console.invoices.none")}</Text>
          ) : (
            <Table.ScrollContainer minWidth={760}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t("console.invoices.number")}</Table.Th>
                    <Table.Th scope="col">{t("console.invoices.issued")}</Table.Th>
                    <Table.Th scope="col">{t("console.invoices.charger")}</Table.Th>
                    <Table.Th scope="col">{t("console.invoices.status")}</Table.Th>
                    <Table.Th scope="col" ta="right">
                      {t("console.invoices.total")}
                    </Table.Th>
                    <Table.Th scope="col" ta="right">
                      {t("console.invoices.refunded")}
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((invoice) => (
                    <Table.Tr key={invoice.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/console/invoices/${invoice.id}`}>
                          {invoice.number}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{formatDateTime(invoice.issued_at, i18n.language)}</Table.Td>
                      <Table.Td>{invoice.charge_point_id ? `${invoice.charge_point_id} #${invoice.connector_id ?? ""}` : "–"}</Table.Td>
                      <Table.Td>
                        <StateBadge value={invoice.status} />
                      </Table.Td>
                      <Table.Td ta="right">{formatMoney(invoice.total_minor, invoice.currency, i18n.language)}</Table.Td>
                      <Table.Td ta="right">{invoice.amount_refunded_minor ? formatMoney(invoice.amount_refunded_minor, invoice.currency, i18n.language) : "–"}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
    </Stack>
  );
}
