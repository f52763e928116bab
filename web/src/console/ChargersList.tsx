import { Anchor, Button, Group, NativeSelect, Stack, Table, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { fetchChargers, POLL_MS } from "../api/queries";
import { useAuth } from "../auth/AuthProvider";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StatusBadge } from "../components/StatusBadge";
import { formatDateTime } from "../format";

type Approval = "pending" | "approved" | "retired";

export function ChargersList() {
  const { t, i18n } = useTranslation();
  const { can } = useAuth();
  // Filters live in the URL, so a filtered list can be bookmarked and shared.
  const [params, setParams] = useSearchParams();
  const approval = (params.get("approval") ?? "") as Approval | "";
  const online = params.get("online") ?? "";
  const [text, setText] = useState(params.get("q") ?? "");
  const query = useQuery({
    queryKey: ["charge-points", { approval, online }],
    queryFn: () =>
      fetchChargers({ ...(approval ? { approval } : {}), ...(online ? { online: online === "true" } : {}) }),
    refetchInterval: POLL_MS.dashboard,
  });
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const needle = text.trim().toLowerCase();

  return (
    <Stack>
      <Group justify="space-between">
        <PageTitle text={t("chargers.title")} />
        {can.provision && (
          <Button component={Link} to="/console/chargers/new">
            {t("nav.provision")}
          </Button>
        )}
      </Group>
      <Group align="end">
        <NativeSelect
          label={t("chargers.filterApproval")}
          value={approval}
          onChange={(e) => setFilter("approval", e.currentTarget.value)}
          data={[
            { value: "", label: t("app.all") },
            { value: "pending", label: t("status.pending") },
            { value: "approved", label: t("status.approved") },
            { value: "retired", label: t("status.retired") },
          ]}
        />
        <NativeSelect
          label={t("chargers.filterOnline")}
          value={online}
          onChange={(e) => setFilter("online", e.currentTarget.value)}
          data={[
            { value: "", label: t("app.all") },
            { value: "true", label: t("status.online") },
            { value: "false", label: t("status.offline") },
          ]}
        />
        <TextInput
          label={t("chargers.filterText")}
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
            setFilter("q", e.currentTarget.value);
          }}
        />
      </Group>
      <QueryState query={query}>
        {(list) => {
          const shown = list.filter(
            (cp) =>
              !needle ||
              [cp.id, cp.location.site_name, cp.model, cp.vendor].some((v) => v?.toLowerCase().includes(needle)),
          );
          return (
            <>
              <Text size="sm" c="dimmed" aria-live="polite">
                {t("chargers.count", { count: shown.length })}
              </Text>
              <Table.ScrollContainer minWidth={720}>
                <Table striped highlightOnHover>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">{t("chargers.id")}</Table.Th>
                      <Table.Th scope="col">{t("chargers.site")}</Table.Th>
                      <Table.Th scope="col">{t("chargers.model")}</Table.Th>
                      <Table.Th scope="col">{t("chargers.ocpp")}</Table.Th>
                      <Table.Th scope="col">{t("chargers.connectivity")}</Table.Th>
                      <Table.Th scope="col">{t("chargers.approval")}</Table.Th>
                      <Table.Th scope="col">{t("chargers.lastSeen")}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {shown.map((cp) => (
                      <Table.Tr key={cp.id} data-testid={`charger-row-${cp.id}`}>
                        <Table.Td>
                          <Anchor component={Link} to={`/console/chargers/${encodeURIComponent(cp.id)}`}>
                            {cp.id}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>{cp.location.site_name ?? "–"}</Table.Td>
                        <Table.Td>{[cp.vendor, cp.model].filter(Boolean).join(" ") || "–"}</Table.Td>
                        <Table.Td>{cp.ocpp_version}</Table.Td>
                        <Table.Td>
                          <StatusBadge value={cp.online ? "online" : "offline"} />
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge value={cp.approval} />
                        </Table.Td>
                        <Table.Td>{formatDateTime(cp.last_seen_at, i18n.language)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </>
          );
        }}
      </QueryState>
    </Stack>
  );
}
