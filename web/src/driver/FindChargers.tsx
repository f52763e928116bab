import { Card, Group, SegmentedControl, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { POLL_MS } from "../api/queries";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StationMap } from "../components/StationMap";

/**
 * The public charger map (`GET /v1/locations`, no personal data): sites with their free
 * connectors, polled. Prices appear when the payment service's tariffs land.
 */
export function FindChargers() {
  const { t } = useTranslation();
  const [view, setView] = useState("list");
  const sites = useQuery({
    queryKey: ["locations"],
    queryFn: async () => unwrap(await api.GET("/v1/locations")),
    refetchInterval: POLL_MS.dashboard,
  });
  return (
    <Stack>
      <PageTitle text={t("find.title")} />
      <SegmentedControl
        value={view}
        onChange={setView}
        data={[
          { value: "list", label: t("find.list") },
          { value: "map", label: t("find.map") },
        ]}
        w="fit-content"
      />
      <QueryState query={sites}>
        {(list) =>
          list.length === 0 ? (
            <Text>{t("find.noSites")}</Text>
          ) : view === "map" ? (
            <StationMap
              label={t("find.map")}
              legend={["available", "offline"]}
              points={list
                .filter((site) => site.latitude !== null && site.longitude !== null)
                .map((site, index) => ({
                  id: `${site.site_name ?? index}`,
                  latitude: site.latitude as number,
                  longitude: site.longitude as number,
                  state: site.connectors_available > 0 ? "available" : "offline",
                  label: `${site.site_name ?? "–"}: ${t("find.available", { available: site.connectors_available, total: site.connectors_total })}`,
                }))}
            />
          ) : (
            <Stack gap="sm">
              {list.map((site, index) => (
                <Card withBorder key={`${site.site_name}-${index}`} component="article" aria-label={site.site_name ?? undefined}>
                  <Group justify="space-between" wrap="nowrap">
                    <div>
                      <Text fw={600}>{site.site_name ?? "–"}</Text>
                      <Text size="sm" c="dimmed">
                        {site.address ?? ""}
                      </Text>
                    </div>
                    <Text fw={600} c={site.connectors_available > 0 ? "ladda.8" : undefined}>
                      {t("find.available", { available: site.connectors_available, total: site.connectors_total })}
                    </Text>
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
