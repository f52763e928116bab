import { Button, Group, NumberInput, Paper, Stack, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../../api/client";
import { useAuth } from "../../auth/AuthProvider";
import { PageTitle } from "../../components/PageTitle";
import { QueryState } from "../../components/QueryState";
import { formatDateTime } from "../../format";
import { notify } from "../../notify";
import { consoleAccess } from "../access";
import { localDay } from "../ui";
import { localDayBounds, placeOnDay } from "./timeline";

type Reservation = Schemas["ReservationOut"];
const HOURS = [0, 3, 6, 9, 12, 15, 18, 21];
const LIVE = new Set(["confirmed", "active", "fulfilled"]);

function DayRow({ label, reservations, start, end, onCancel }: { label: string; reservations: Reservation[]; start: Date; end: Date; onCancel?: (r: Reservation) => void }) {
  const { t, i18n } = useTranslation();
  return (
    <Group wrap="nowrap" gap="sm" align="center">
      <Text size="sm" w={150} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <div className="day-track" role="list" aria-label={t("console.bookings.dayOf", { label })}>
        {reservations.map((r) => {
          const place = placeOnDay(r.starts_at, r.ends_at, start, end);
          if (!place) return null;
          const text = `${t(`console.bookings.kinds.${r.kind}`)} · ${formatDateTime(r.starts_at, i18n.language)} – ${formatDateTime(r.ends_at, i18n.language)} · ${t(`console.states.${r.status}`)}${r.note ? ` · ${r.note}` : ""}`;
          return (
            <Tooltip key={r.id} label={text}>
              <button
                type="button"
                role="listitem"
                className={`day-slot day-slot-${r.kind}${LIVE.has(r.status) ? "" : " day-slot-past"}`}
                style={{ left: `${place.left}%`, width: `${place.width}%` }}
                aria-label={text}
                onClick={() => onCancel && (r.status === "confirmed" || r.status === "active") && window.confirm(t("console.bookings.cancelConfirm")) && onCancel(r)}
              />
            </Tooltip>
          );
        })}
      </div>
    </Group>
  );
}

/** A site's (or charger's) day: each connector's bookings and blocks on a 24-hour line. */
export function Bookings() {
  const { t } = useTranslation();
  const { user } = useAuth();
  const access = consoleAccess(user?.roles ?? []);
  const queryClient = useQueryClient();
  const [where, setWhere] = useState("");
  const [bySite, setBySite] = useState(true);
  const [submitted, setSubmitted] = useState<{ site?: string; charge_point_id?: string } | null>(null);
  const [day, setDay] = useState(localDay(new Date()));
  const { start, end } = localDayBounds(day);
  const [block, setBlock] = useState({ cp: "", connector: 1 as number | string, from: "", to: "", note: "" });

  const availability = useQuery({
    queryKey: ["availability", submitted, day],
    queryFn: async () => unwrap(await api.GET("/v1/availability", { params: { query: { ...submitted, date: day } } })),
    enabled: submitted !== null,
  });
  const chargers = availability.data?.charge_points ?? [];
  const reservations = useQueries({
    queries: chargers.map((cp) => ({
      queryKey: ["reservations", cp.charge_point_id, day],
      queryFn: async () =>
        unwrap(
          await api.GET("/v1/reservations", {
            // Starting up to a day before: a reservation lasts at most a few hours.
            params: { query: { charge_point_id: cp.charge_point_id, starts_from: new Date(start.getTime() - 86_400_000).toISOString(), starts_before: end.toISOString(), limit: 500 } },
          }),
        ),
      refetchInterval: 30_000,
    })),
  });
  const cancel = useMutation({
    mutationFn: async (r: Reservation) => unwrap(await api.POST("/v1/reservations/{reservation_id}/cancel", { params: { path: { reservation_id: r.id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["reservations"] }),
    onError: (error) => notify(error.message, "red"),
  });
  const createBlock = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/reservations/blocks", {
          body: { charge_point_id: block.cp.trim(), connector_id: Number(block.connector), starts_at: new Date(block.from).toISOString(), ends_at: new Date(block.to).toISOString(), note: block.note.trim() || null },
        }),
      ),
    onSuccess: () => {
      notify(t("console.bookings.blocked"));
      void queryClient.invalidateQueries({ queryKey: ["reservations"] });
    },
    onError: (error) => notify(error.message, "red"),
  });

  return (
    <Stack>
      <PageTitle text={t("console.bookings.title")} />
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setSubmitted(bySite ? { site: where.trim() } : { charge_point_id: where.trim() });
        }}
      >
        <Group align="end">
          <Button.Group>
            <Button variant={bySite ? "filled" : "default"} onClick={() => setBySite(true)} aria-pressed={bySite}>
              {t("console.bookings.site")}
            </Button>
            <Button variant={bySite ? "default" : "filled"} onClick={() => setBySite(false)} aria-pressed={!bySite}>
              {t("console.bookings.charger")}
            </Button>
          </Button.Group>
          <TextInput label={bySite ? t("console.bookings.site") : t("console.bookings.charger")} required value={where} onChange={(e) => setWhere(e.currentTarget.value)} />
          <TextInput label={t("console.bookings.day")} type="date" value={day} onChange={(e) => setDay(e.currentTarget.value)} required />
          <Button type="submit">{t("console.bookings.show")}</Button>
        </Group>
      </form>
      {submitted && (
        <QueryState query={availability}>
          {(found) =>
            (found.charge_points ?? []).length === 0 ? (
              <Text>{t("console.bookings.noChargers")}</Text>
            ) : (
              <Paper withBorder p="md">
                <Group wrap="nowrap" gap="sm" aria-hidden>
                  <Text size="xs" w={150} style={{ flexShrink: 0 }} />
                  <div className="day-scale">
                    {HOURS.map((hour) => (
                      <span key={hour} style={{ left: `${(hour / 24) * 100}%` }}>
                        {String(hour).padStart(2, "0")}
                      </span>
                    ))}
                  </div>
                </Group>
                <Stack gap={6} mt="xs">
                  {(found.charge_points ?? []).flatMap((cp, index) =>
                    cp.connectors.map((connector) => (
                      <DayRow
                        key={`${cp.charge_point_id}-${connector.connector_id}`}
                        label={`${cp.charge_point_id} #${connector.connector_id}`}
                        reservations={(reservations[index]?.data ?? []).filter((r) => r.connector_id === connector.connector_id)}
                        start={start}
                        end={end}
                        onCancel={access.blockConnectors ? (r) => cancel.mutate(r) : undefined}
                      />
                    )),
                  )}
                </Stack>
                <Group gap="md" mt="sm">
                  <Text size="xs">
                    <span className="day-key day-slot-booking" /> {t("console.bookings.kinds.booking")}
                  </Text>
                  <Text size="xs">
                    <span className="day-key day-slot-block" /> {t("console.bookings.kinds.block")}
                  </Text>
                </Group>
              </Paper>
            )
          }
        </QueryState>
      )}
      {access.blockConnectors && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="sm">
            {t("console.bookings.blockTitle")}
          </Title>
          <Text size="sm" mb="sm">
            {t("console.bookings.blockIntro")}
          </Text>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              createBlock.mutate();
            }}
          >
            <Group align="end">
              <TextInput label={t("console.bookings.charger")} required value={block.cp} onChange={(e) => setBlock({ ...block, cp: e.currentTarget.value })} />
              <NumberInput label={t("console.bookings.connector")} min={1} w={110} value={block.connector} onChange={(value) => setBlock({ ...block, connector: value })} />
              <TextInput label={t("console.bookings.from")} type="datetime-local" required value={block.from} onChange={(e) => setBlock({ ...block, from: e.currentTarget.value })} />
              <TextInput label={t("console.bookings.to")} type="datetime-local" required value={block.to} onChange={(e) => setBlock({ ...block, to: e.currentTarget.value })} />
              <TextInput label={t("console.bookings.note")} value={block.note} onChange={(e) => setBlock({ ...block, note: e.currentTarget.value })} />
              <Button type="submit" loading={createBlock.isPending}>
                {t("console.bookings.block")}
              </Button>
            </Group>
          </form>
        </Paper>
      )}
    </Stack>
  );
}
