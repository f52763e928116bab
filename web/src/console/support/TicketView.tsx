import { Anchor, Badge, Button, Group, NativeSelect, Paper, SegmentedControl, SimpleGrid, Stack, Text, Textarea, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap, type Schemas } from "../../api/client";
import { useAuth } from "../../auth/AuthProvider";
import { POLL_MS } from "../../api/queries";
import { PageTitle } from "../../components/PageTitle";
import { QueryState } from "../../components/QueryState";
import { formatDateTime, formatKwh } from "../../format";
import { notify } from "../../notify";
import { formatMoney } from "../pricing";
import { STATE_COLOURS } from "../../theme";
import { StateBadge } from "../ui";
import { CATEGORIES, type Category, type TicketPriority, type TicketStatus } from "./SupportQueue";

type Ticket = Schemas["StaffTicket"];
type Visibility = Schemas["StaffMessageIn"]["visibility"];

// The moves the support service allows from each status (others answer 409).
const NEXT: Record<TicketStatus, TicketStatus[]> = {
  open: ["pending", "resolved"],
  pending: ["open", "resolved"],
  resolved: ["closed", "open"],
  closed: ["open"],
};

function Linked({ ticket }: { ticket: Ticket }) {
  const { t, i18n } = useTranslation();
  const { session, invoice, reservation } = ticket.linked;
  const lang = i18n.language;
  return (
    <SimpleGrid cols={{ base: 1, md: 3 }}>
      <Paper withBorder p="sm" aria-label={t("console.support.linkedSession")} component="section">
        <Text fw={600}>{t("console.support.linkedSession")}</Text>
        {session ? (
          <>
            <Anchor component={Link} to={`/console/sessions/${session.session_id}`} size="sm">
              {session.charge_point_id} #{session.connector_id}
            </Anchor>
            <Text size="sm">
              {formatDateTime(session.started_at, lang)} → {formatDateTime(session.stopped_at, lang)}
            </Text>
            <Text size="sm">
              {formatKwh(session.energy_wh, lang)} {session.stop_reason ? `· ${session.stop_reason}` : ""}
            </Text>
          </>
        ) : (
          <Text size="sm" c="dimmed">
            {ticket.links.session_id ?? "–"}
          </Text>
        )}
      </Paper>
      <Paper withBorder p="sm" aria-label={t("console.support.linkedInvoice")} component="section">
        <Text fw={600}>{t("console.support.linkedInvoice")}</Text>
        {invoice ? (
          <>
            <Anchor component={Link} to={`/console/invoices/${invoice.invoice_id}`} size="sm">
              {invoice.number}
            </Anchor>
            <Group gap="xs">
              <StateBadge value={invoice.status} />
              <Text size="sm">{formatMoney(invoice.total_minor, invoice.currency, lang)}</Text>
            </Group>
            {invoice.failure_code && <Text size="sm">{invoice.failure_code}</Text>}
          </>
        ) : (
          <Text size="sm" c="dimmed">
            {ticket.links.invoice_id ?? "–"}
          </Text>
        )}
      </Paper>
      <Paper withBorder p="sm" aria-label={t("console.support.linkedBooking")} component="section">
        <Text fw={600}>{t("console.support.linkedBooking")}</Text>
        {reservation ? (
          <>
            <Text size="sm">
              {reservation.charge_point_id} #{reservation.connector_id}
            </Text>
            <Text size="sm">
              {formatDateTime(reservation.starts_at, lang)} → {formatDateTime(reservation.ends_at, lang)}
            </Text>
            <StateBadge value={reservation.status} />
          </>
        ) : (
          <Text size="sm" c="dimmed">
            {ticket.links.reservation_id ?? "–"}
          </Text>
        )}
      </Paper>
    </SimpleGrid>
  );
}

/** A ticket: the conversation with internal notes set apart, the linked objects, and actions. */
export function TicketView() {
  const { ticketId = "" } = useParams();
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const { user } = useAuth();
  const [body, setBody] = useState("");
  const [visibility, setVisibility] = useState<Visibility>("public");
  const key = ["support-ticket", ticketId];
  const path = { params: { path: { ticket_id: ticketId } } };
  const ticket = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET("/v1/support/queue/{ticket_id}", path)),
    refetchInterval: POLL_MS.charger,
  });
  const saved = (next: Ticket) => {
    queryClient.setQueryData(key, next);
    void queryClient.invalidateQueries({ queryKey: ["support-queue"] });
  };
  const send = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/support/queue/{ticket_id}/messages", { ...path, body: { body: body.trim(), visibility } })),
    onSuccess: (next) => {
      saved(next);
      setBody("");
      notify(t(visibility === "internal" ? "console.support.noteSaved" : "console.support.replySent"));
    },
    onError: (error) => notify(error.message, "red"),
  });
  const move = useMutation({
    mutationFn: async (status: TicketStatus) => unwrap(await api.POST("/v1/support/queue/{ticket_id}/status", { ...path, body: { status } })),
    onSuccess: saved,
    onError: (error) => notify(error.message, "red"),
  });
  const patch = useMutation({
    mutationFn: async (change: { category?: Category; priority?: TicketPriority; assignee?: string | null }) => unwrap(await api.PATCH("/v1/support/queue/{ticket_id}", { ...path, body: change })),
    onSuccess: saved,
    onError: (error) => notify(error.message, "red"),
  });

  return (
    <QueryState query={ticket}>
      {(tk) => (
        <Stack>
          <Anchor component={Link} to="/console/support" size="sm">
            {t("app.back")}
          </Anchor>
          <PageTitle text={tk.subject} />
          <Group>
            <StateBadge value={tk.status} />
            <StateBadge value={tk.priority} />
            {tk.breached && <StateBadge value="breached" />}
            <Text size="sm">
              {t("console.support.created")}: {formatDateTime(tk.created_at, i18n.language)}
            </Text>
            <Text size="sm">
              {t("console.support.assignee")}: {tk.assignee ? (tk.assignee === user?.id ? t("console.support.me") : tk.assignee) : "–"}
            </Text>
            <Text size="sm">
              {t("console.support.driver")}:{" "}
              <Anchor component={Link} to={`/console/drivers/${tk.driver_id}`}>
                {tk.driver_id}
              </Anchor>
            </Text>
          </Group>
          <Group align="end">
            <NativeSelect label={t("console.support.category")} value={tk.category} onChange={(e) => patch.mutate({ category: e.currentTarget.value as Category })} data={CATEGORIES.map((value) => ({ value, label: t(`console.support.categories.${value}`) }))} />
            <NativeSelect
              label={t("console.support.priority")}
              value={tk.priority}
              onChange={(e) => patch.mutate({ priority: e.currentTarget.value as TicketPriority })}
              data={(["urgent", "high", "normal", "low"] as const).map((value) => ({ value, label: t(`console.states.${value}`) }))}
            />
            <Button variant="outline" disabled={!user || tk.assignee === user.id} onClick={() => user && patch.mutate({ assignee: user.id })}>
              {t("console.support.assignToMe")}
            </Button>
            {NEXT[tk.status].map((status) => (
              <Button key={status} variant="outline" onClick={() => move.mutate(status)} loading={move.isPending}>
                {t(`console.support.moveTo.${status}`)}
              </Button>
            ))}
          </Group>
          <Linked ticket={tk} />
          <Title order={2} size="h3">
            {t("console.support.conversation")}
          </Title>
          <Paper withBorder p="sm">
            <Text size="xs" c="dimmed">
              {t("console.support.driver")} · {formatDateTime(tk.created_at, i18n.language)}
            </Text>
            <Text style={{ whiteSpace: "pre-wrap" }}>{tk.description}</Text>
          </Paper>
          {tk.messages.map((message) => (
            <Paper
              key={message.id}
              withBorder
              p="sm"
              bg={message.visibility === "internal" ? "yellow.0" : undefined}
              data-testid={message.visibility === "internal" ? "internal-note" : "public-message"}
              ml={message.author_kind === "staff" ? "xl" : 0}
            >
              <Group gap="xs">
                <Text size="xs" c="dimmed">
                  {message.author_kind === "driver" ? t("console.support.driver") : message.author} · {formatDateTime(message.created_at, i18n.language)}
                </Text>
                {message.visibility === "internal" && (
                  <Badge color={STATE_COLOURS.pending} variant="filled" size="sm" styles={{ label: { color: "#fff" } }}>
                    {t("console.support.internal")}
                  </Badge>
                )}
              </Group>
              <Text style={{ whiteSpace: "pre-wrap" }}>{message.body}</Text>
            </Paper>
          ))}
          <form
            onSubmit={(event) => {
              event.preventDefault();
              if (body.trim()) send.mutate();
            }}
          >
            <Stack gap="xs">
              <SegmentedControl
                value={visibility}
                onChange={(value) => setVisibility(value as Visibility)}
                data={[
                  { value: "public", label: t("console.support.replyToDriver") },
                  { value: "internal", label: t("console.support.internalNote") },
                ]}
                w="fit-content"
                aria-label={t("console.support.messageKind")}
              />
              <Textarea label={visibility === "internal" ? t("console.support.noteLabel") : t("console.support.replyLabel")} description={visibility === "internal" ? t("console.support.noteHint") : undefined} value={body} onChange={(e) => setBody(e.currentTarget.value)} autosize minRows={3} maxLength={10000} />
              <Button type="submit" w="fit-content" loading={send.isPending} color={visibility === "internal" ? STATE_COLOURS.pending : undefined}>
                {visibility === "internal" ? t("console.support.saveNote") : t("console.support.sendReply")}
              </Button>
            </Stack>
          </form>
        </Stack>
      )}
    </QueryState>
  );
}
