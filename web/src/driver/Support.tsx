import { Alert, Anchor, Button, Card, Group, NativeSelect, Paper, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { api, unwrap, type Schemas } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StatusBadge } from "../components/StatusBadge";
import { formatDateTime } from "../format";

const CATEGORIES = ["charging_problem", "payment_invoice", "booking", "account", "station_safety", "other"] as const;
type Category = (typeof CATEGORIES)[number];

/** My support tickets. */
export function SupportTickets() {
  const { t, i18n } = useTranslation();
  const tickets = useQuery({
    queryKey: ["tickets"],
    queryFn: async () => unwrap(await api.GET("/v1/support/tickets", { params: { query: { limit: 100 } } })),
  });
  return (
    <Stack>
      <PageTitle text={t("help.title")} />
      <Button component={Link} to="/app/support/new" w="fit-content">
        {t("help.new")}
      </Button>
      <QueryState query={tickets}>
        {(list) =>
          list.length === 0 ? (
            <Text>{t("help.none")}</Text>
          ) : (
            <Stack gap="sm">
              {list.map((ticket) => (
                <Card withBorder key={ticket.id} component="article" aria-label={ticket.subject}>
                  <Group justify="space-between" wrap="nowrap">
                    <div>
                      <Anchor component={Link} to={`/app/support/${ticket.id}`} fw={600}>
                        {ticket.subject}
                      </Anchor>
                      <Text size="sm" c="dimmed">
                        {t(`help.category.${ticket.category}`)} · {formatDateTime(ticket.updated_at, i18n.language)}
                      </Text>
                    </div>
                    <StatusBadge value={ticket.status} />
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

/** A new ticket, linked to the session, charger or invoice it was opened from. */
export function NewTicket() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const links = { session_id: params.get("session"), charge_point_id: params.get("charger"), invoice_id: params.get("invoice"), reservation_id: params.get("booking") };
  const [category, setCategory] = useState<Category>(links.invoice_id ? "payment_invoice" : "charging_problem");
  const [subject, setSubject] = useState("");
  const [description, setDescription] = useState("");
  const [error, setError] = useState<string | null>(null);
  const open = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/support/tickets", { body: { category, subject: subject.trim(), description: description.trim(), ...links } })),
    onSuccess: (ticket) => void navigate(`/app/support/${ticket.id}`),
    onError: (err) => setError(err.message),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    open.mutate();
  }
  return (
    <Stack>
      <PageTitle text={t("help.new")} />
      {(links.session_id || links.charge_point_id || links.invoice_id) && (
        <Text size="sm" data-testid="ticket-links">
          {t("help.about")} {[links.charge_point_id, links.session_id && `${t("sessions.title")} ${links.session_id.slice(0, 8)}`, links.invoice_id && t("myInvoices.title")].filter(Boolean).join(" · ")}
        </Text>
      )}
      <form onSubmit={submit}>
        <Stack gap="sm" maw={560}>
          <NativeSelect label={t("help.categoryLabel")} value={category} onChange={(e) => setCategory(e.currentTarget.value as Category)} data={CATEGORIES.map((c) => ({ value: c, label: t(`help.category.${c}`) }))} />
          <TextInput label={t("help.subject")} value={subject} onChange={(e) => setSubject(e.currentTarget.value)} required maxLength={200} />
          <Textarea label={t("help.description")} value={description} onChange={(e) => setDescription(e.currentTarget.value)} required autosize minRows={4} />
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <Button type="submit" loading={open.isPending} w="fit-content">
            {t("help.send")}
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}

function Message({ message }: { message: Schemas["MessageOut"] }) {
  const { t, i18n } = useTranslation();
  const mine = message.author_kind === "driver";
  return (
    <Paper withBorder p="sm" bg={mine ? "gray.0" : "green.0"} ml={mine ? "xl" : 0} mr={mine ? 0 : "xl"} component="article">
      <Text size="xs" c="dimmed">
        {mine ? t("help.you") : t("help.agent")} · {formatDateTime(message.created_at, i18n.language)}
      </Text>
      <Text style={{ whiteSpace: "pre-wrap" }}>{message.body}</Text>
    </Paper>
  );
}

/** One ticket's conversation; the driver replies (or reopens a resolved one by replying). */
export function TicketConversation() {
  const { ticketId = "" } = useParams();
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [reply, setReply] = useState("");
  const ticket = useQuery({
    queryKey: ["ticket", ticketId],
    queryFn: async () => unwrap(await api.GET("/v1/support/tickets/{ticket_id}", { params: { path: { ticket_id: ticketId } } })),
    refetchInterval: 15_000,
  });
  const send = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/support/tickets/{ticket_id}/messages", { params: { path: { ticket_id: ticketId } }, body: { body: reply.trim() } })),
    onSuccess: (updated) => {
      setReply("");
      queryClient.setQueryData(["ticket", ticketId], updated);
    },
  });
  return (
    <QueryState query={ticket}>
      {(tk) => (
        <Stack>
          <PageTitle text={tk.subject} />
          <Group>
            <StatusBadge value={tk.status} />
            <Text size="sm">{t(`help.category.${tk.category}`)}</Text>
          </Group>
          <Paper withBorder p="sm" component="article">
            <Text style={{ whiteSpace: "pre-wrap" }}>{tk.description}</Text>
          </Paper>
          {tk.messages.map((m) => (
            <Message key={m.id} message={m} />
          ))}
          <form
            onSubmit={(event) => {
              event.preventDefault();
              send.mutate();
            }}
          >
            <Stack gap="xs">
              <Textarea label={t("help.reply")} value={reply} onChange={(e) => setReply(e.currentTarget.value)} required autosize minRows={2} />
              {send.isError && (
                <Alert color="red" role="alert">
                  {send.error.message}
                </Alert>
              )}
              <Button type="submit" loading={send.isPending} w="fit-content">
                {t("help.send")}
              </Button>
            </Stack>
          </form>
        </Stack>
      )}
    </QueryState>
  );
}
