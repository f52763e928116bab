import { Button, Group, Modal, NumberInput, SimpleGrid, Stack, TextInput } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../api/client";
import { notify } from "../notify";

type Location = Schemas["Location"];

/** Where a charger stands (site, address, coordinates): what the maps and the public list show. */
export function LocationEditor({ cpId, location }: { cpId: string; location: Location }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [opened, { open, close }] = useDisclosure();
  const [site, setSite] = useState(location.site_name ?? "");
  const [address, setAddress] = useState(location.address ?? "");
  const [latitude, setLatitude] = useState<number | string>(location.latitude ?? "");
  const [longitude, setLongitude] = useState<number | string>(location.longitude ?? "");
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH("/v1/charge-points/{cp_id}", {
          params: { path: { cp_id: cpId } },
          body: {
            location: {
              site_name: site.trim() || null,
              address: address.trim() || null,
              latitude: latitude === "" ? null : Number(latitude),
              longitude: longitude === "" ? null : Number(longitude),
            },
          },
        }),
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(["charge-point", cpId], updated);
      void queryClient.invalidateQueries({ queryKey: ["charge-points"] });
      notify(t("chargers.locationSaved"));
      close();
    },
    onError: (err) => notify(err.message, "red"),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <>
      <Button variant="outline" onClick={open}>
        {t("chargers.editLocation")}
      </Button>
      <Modal opened={opened} onClose={close} title={t("chargers.editLocation")} closeButtonProps={{ "aria-label": t("app.close") }}>
        <form onSubmit={submit}>
          <Stack>
            <TextInput label={t("chargers.site")} value={site} maxLength={200} onChange={(e) => setSite(e.currentTarget.value)} />
            <TextInput label={t("chargers.address")} value={address} maxLength={500} onChange={(e) => setAddress(e.currentTarget.value)} />
            <SimpleGrid cols={2}>
              <NumberInput label={t("chargers.latitude")} min={-90} max={90} decimalScale={6} value={latitude} onChange={setLatitude} />
              <NumberInput label={t("chargers.longitude")} min={-180} max={180} decimalScale={6} value={longitude} onChange={setLongitude} />
            </SimpleGrid>
            <Group>
              <Button type="submit" loading={save.isPending}>
                {t("app.save")}
              </Button>
              <Button variant="subtle" onClick={close}>
                {t("app.cancel")}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
