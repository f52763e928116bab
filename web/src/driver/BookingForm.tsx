import { Alert, Button, Group, NativeSelect, Stack, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { notify } from "../notify";
import { bookingWindow, firstBookableStart, toLocalInput } from "./booking";

/** Book one connector: a start (on the booking service's 15-minute slots) and a duration. */
export function BookingForm({ cpId, connectorId, onDone }: { cpId: string; connectorId: number; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [start, setStart] = useState(() => toLocalInput(firstBookableStart(new Date())));
  const [minutes, setMinutes] = useState("60");
  const [error, setError] = useState<string | null>(null);
  const book = useMutation({
    mutationFn: async () => {
      const window = bookingWindow(start, Number(minutes));
      return unwrap(await api.POST("/v1/reservations", { body: { charge_point_id: cpId, connector_id: connectorId, ...window } }));
    },
    onSuccess: () => {
      notify(t("book.booked"));
      void queryClient.invalidateQueries({ queryKey: ["reservations"] });
      onDone();
    },
    onError: (err) => setError(err.message),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    book.mutate();
  }
  return (
    <form onSubmit={submit}>
      <Stack gap="xs" mt="sm">
        <Group grow wrap="wrap">
          <TextInput type="datetime-local" label={t("book.start")} value={start} onChange={(e) => setStart(e.currentTarget.value)} required step={900} />
          <NativeSelect
            label={t("book.duration")}
            value={minutes}
            onChange={(e) => setMinutes(e.currentTarget.value)}
            data={["30", "60", "90", "120", "180", "240"].map((m) => ({ value: m, label: t("book.minutes", { minutes: m }) }))}
          />
        </Group>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Button type="submit" loading={book.isPending} w="fit-content">
          {t("book.confirm")}
        </Button>
      </Stack>
    </form>
  );
}
