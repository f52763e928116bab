import { Button, Card, Group, Stack, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StatusBadge } from "../components/StatusBadge";
import { formatDateTime } from "../format";
import { notify } from "../notify";

/** My bookings (the API lists only my own), newest first; cancel an open one. */
export function Bookings() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const reservations = useQuery({
    queryKey: ["reservations"],
    queryFn: async () => unwrap(await api.GET("/v1/reservations", { params: { query: { limit: 50 } } })),
  });
  const cancel = useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST("/v1/reservations/{reservation_id}/cancel", { params: { path: { reservation_id: id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["reservations"] }),
    onError: (err) => notify(err.message, "red"),
  });
  return (
    <Stack>
      <PageTitle text={t("book.title")} />
      <QueryState query={reservations}>
        {(list) =>
          list.length === 0 ? (
            <Text>{t("book.none")}</Text>
          ) : (
            <Stack gap="sm">
              {list.map((r) => (
                <Card withBorder key={r.id} component="article" aria-label={`${r.charge_point_id} ${r.connector_id}`} data-testid={`booking-${r.charge_point_id}-${r.connector_id}`}>
                  <Group justify="space-between" wrap="wrap">
                    <div>
                      <Text fw={600}>
                        {r.charge_point_id} / {r.connector_id}
                      </Text>
                      <Text size="sm">
                        {formatDateTime(r.starts_at, i18n.language)} – {formatDateTime(r.ends_at, i18n.language)}
                      </Text>
                    </div>
                    <Group gap="xs">
                      <StatusBadge value={r.status} />
                      {(r.status === "confirmed" || r.status === "active") && (
                        <Button size="xs" color="red.9" variant="outline" onClick={() => window.confirm(t("book.cancelConfirm")) && cancel.mutate(r.id)}>
                          {t("book.cancel")}
                        </Button>
                      )}
                    </Group>
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
