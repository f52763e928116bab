import { Alert, Button, NativeSelect, NumberInput, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api, ApiError, unwrap } from "../api/client";
import { OneTimePassword } from "../components/OneTimePassword";
import { PageTitle } from "../components/PageTitle";

interface Created {
  id: string;
  password: string;
}

/**
 * Provisioning. The generated password is held in this component's state only (never in the
 * query cache or storage) and disappears when the dialog is closed.
 */
export function Provision() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ id: "", vendor: "", model: "", serial_number: "", ocpp_version: "1.6", security_profile: "2", site_name: "", address: "" });
  const [connectors, setConnectors] = useState<number | string>(1);
  const [latitude, setLatitude] = useState<number | string>("");
  const [longitude, setLongitude] = useState<number | string>("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const field = (name: keyof typeof form) => ({
    value: form[name],
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setForm({ ...form, [name]: e.currentTarget.value }),
  });
  const optional = (value: string) => (value.trim() ? value.trim() : null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const charger = unwrap(
        await api.POST("/v1/charge-points", {
          body: {
            id: form.id.trim(),
            vendor: optional(form.vendor),
            model: optional(form.model),
            serial_number: optional(form.serial_number),
            ocpp_version: form.ocpp_version as "1.6" | "2.0.1",
            security_profile: Number(form.security_profile) as 1 | 2 | 3,
            connectors: Number(connectors) || 0,
            location: {
              site_name: optional(form.site_name),
              address: optional(form.address),
              latitude: latitude === "" ? null : Number(latitude),
              longitude: longitude === "" ? null : Number(longitude),
            },
          },
        }),
      );
      await queryClient.invalidateQueries({ queryKey: ["charge-points"] });
      setCreated({ id: charger.id, password: charger.password });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack maw={760}>
      <PageTitle text={t("provision.title")} />
      <Text>{t("provision.intro")}</Text>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label={t("chargers.id")} description={t("provision.idHint")} required pattern="[A-Za-z0-9._:\-]{1,48}" {...field("id")} />
            <NativeSelect label={t("chargers.ocpp")} data={["1.6", "2.0.1"]} {...field("ocpp_version")} />
            <NativeSelect
              label={t("provision.profile")}
              description={t("provision.profileHint")}
              data={(["1", "2", "3"] as const).map((value) => ({ value, label: t(`provision.profiles.${value}`) }))}
              {...field("security_profile")}
            />
            <TextInput label={t("chargers.vendor")} {...field("vendor")} />
            <TextInput label={t("chargers.model")} {...field("model")} />
            <TextInput label={t("chargers.serial")} {...field("serial_number")} />
            <NumberInput label={t("chargers.connectors")} min={0} max={64} value={connectors} onChange={setConnectors} />
            <TextInput label={t("chargers.site")} {...field("site_name")} />
            <TextInput label={t("chargers.address")} {...field("address")} />
            <NumberInput label={t("chargers.latitude")} min={-90} max={90} decimalScale={6} value={latitude} onChange={setLatitude} />
            <NumberInput label={t("chargers.longitude")} min={-180} max={180} decimalScale={6} value={longitude} onChange={setLongitude} />
          </SimpleGrid>
          <Button type="submit" loading={busy} w="fit-content">
            {t("provision.submit")}
          </Button>
        </Stack>
      </form>
      <OneTimePassword
        chargerId={created?.id ?? ""}
        password={created?.password ?? null}
        onDone={() => {
          const id = created?.id;
          setCreated(null);
          if (id) navigate(`/console/chargers/${encodeURIComponent(id)}`);
        }}
      />
    </Stack>
  );
}
