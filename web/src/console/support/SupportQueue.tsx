import { Anchor, Checkbox, Group, NativeSelect, Stack, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { api, unwrap, type Schemas } from "../../api/client";
import { POLL_MS } from "../../api/queries";
import { PageTitle } from "../../components/PageTitle";
import { QueryState } from "../../components/QueryState";
import { formatDateTime } from "../../format";
import { StateBadge } from "../ui";

type Ticket = Schemas["StaffTicketSummary"];
export type TicketStatus = Ticket["status"];
export type Category = Ticket["category"];
export type TicketPriority = Ticket["priority"];
export const TICKET_STATUSES: TicketStatus[] = ["open", "pending", "resolved", "closed"];
export const CATEGORIES: Category[] = ["charging_problem", "payment_invoice", "booking", "account", "station_safety", "other"];
const PRIORITIES: TicketPriority[] = ["urgent", "high", "normal", "low"];

/** The support queue: filters in the URL (shareable), full-text search over tickets and messages. */
export function SupportQueue() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "active";
  const category = (params.get("category") ?? "") as Category | "";
  const priority = (params.get("priority") ?? "") as TicketPriority | "";
  const breached = params.get("breached") === "true";
  const unassigned = params.get("unassigned") === "true";
  const [q] = useDebouncedValue((params.get("q") ?? "").trim(), 300);
  const set = (key: string, value: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );
  const statuses: TicketStatus[] = status === "active" ? ["open", "pending"] : status ? [status as TicketStatus] : [];
  const tickets = useQuery({
    queryKey: ["support-queue", { statuses, category, priority, breached, unassigned, q }],
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/support/queue", {
          params: {
            query: {
              limit: 200,
              ...(statuses.length ? { status: statuses } : {}),
              ...(category ? { category: [category] } : {}),
              ...(priority ? { priority: [priority] } : {}),
              ...(breached ? { breached: true } : {}),
              ...(unassigned ? { unassigned: true } : {}),
              ...(q ? { q } : {}),
            },
          },
        }),
      ),
    refetchInterval: POLL_MS.dashboard,
  });
  return (
    <Stack>
      <PageTitle text={t("console.support.title")} />
      <Group align="end">
        <TextInput label={t("console.support.search")} type="search" value={params.get("q") ?? ""} onChange={(e) => set("q", e.currentTarget.value)} />
        <NativeSelect
          label={t("console.support.status")}
          value={status}
          onChange={(e) => set("status", e.currentTarget.value)}
          data={[{ value: "active", label: t("console.support.active") }, ...TICKET_STATUSES.map((value) => ({ value, label: t(`console.states.${value}`) })), { value: "", label: t("app.all") }]}
        />
        <NativeSelect label={t("console.support.category")} value={category} onChange={(e) => set("category", e.currentTarget.value)} data={[{ value: "", label: t("app.all") }, ...CATEGORIES.map((value) => ({ value, label: t(`console.support.categories.${value}`) }))]} />
        <NativeSelect label={t("console.support.priority")} value={priority} onChange={(e) => set("priority", e.currentTarget.value)} data={[{ value: "", label: t("app.all") }, ...PRIORITIES.map((value) => ({ value, label: t(`console.states.${value}`) }))]} />
        <Checkbox label={t("console.support.breachedOnly")} checked={breached} onChange={(e) => set("breached", e.currentTarget.checked ? "true" : "")} />
        <Checkbox label={t("console.support.unassignedOnly")} checked={unassigned} onChange={(e) => set("unassigned", e.currentTarget.checked ? "true" : "")} />
      </Group>
      <QueryState query={tickets}>
        {(list) =>
          list.length === 0 ? (
            <Text>{t("console.support.none")}</Text>
          ) : (
            <Table.ScrollContainer minWidth={820}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t("console.support.subject")}</Table.Th>
                    <Table.Th scope="col">{t("console.support.category")}</Table.Th>
                    <Table.Th scope="col">{t("console.support.priority")}</Table.Th>
                    <Table.Th scope="col">{t("console.support.status")}</Table.Th>
                    <Table.Th scope="col">{t("console.support.assignee")}</Table.Th>
                    <Table.Th scope="col">{t("console.support.created")}</Table.Th>
                    <Table.Th scope="col">{t("console.support.sla")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((ticket) => (
                    <Table.Tr key={ticket.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/console/support/${ticket.id}`}>
                          {ticket.subject}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{t(`console.support.categories.${ticket.category}`)}</Table.Td>
                      <Table.Td>
                        <StateBadge value={ticket.priority} />
                      </Table.Td>
                      <Table.Td>
                        <StateBadge value={ticket.status} />
                      </Table.Td>
                      <Table.Td>{ticket.assignee ?? "–"}</Table.Td>
                      <Table.Td>{formatDateTime(ticket.created_at, i18n.language)}</Table.Td>
                      <Table.Td>{ticket.breached ? <StateBadge value="breached" /> : formatDateTime(ticket.sla.first_response_at ? ticket.sla.resolution_due_at : ticket.sla.first_response_due_at, i18n.language)}</Table.Td>
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
