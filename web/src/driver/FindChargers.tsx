import { Anchor, Button, Card, Group, SegmentedControl, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { POLL_MS } from "../api/queries";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StationMap } from "../components/StationMap";
import { byDistance, formatDistance, type Position } from "./nearby";

/**
 * The public charger map (`GET /v1/locations`, no personal data): sites with their free
 * connectors, polled; nearest first once the browser tells where the driver is (asked only on
 * a tap, and the position never leaves the phone). A site opens its chargers with prices.
 */
export function FindChargers() {
  const { t, i18n } = useTranslation();
  const [view, setView] = useState("list");
  const [here, setHere] = useState<Position | null>(null);
  const [locating, setLocating] = useState(false);
  function locate() {
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setHere({ latitude: position.coords.latitude, longitude: position.coords.longitude });
        setLocating(false);
      },
      () => setLocating(false),
      { maximumAge: 60_000, timeout: 10_000 },
    );
  }
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
      {"geolocation" in navigator && (
        <Button variant="outline" w="fit-content" onClick={locate} loading={locating}>
          {t("nearby.nearMe")}
        </Button>
      )}
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
              {byDistance(list, here).map(({ item: site, km }, index) => (
                <Card withBorder key={`${site.site_name}-${index}`} component="article" aria-label={site.site_name ?? undefined}>
                  <Group justify="space-between" wrap="nowrap">
                    <div>
                      {site.site_name ? (
                        <Anchor component={Link} to={`/app/sites/${encodeURIComponent(site.site_name)}`} fw={600}>
                          {site.site_name}
                        </Anchor>
                      ) : (
                        <Text fw={600}>–</Text>
                      )}
                      <Text size="sm" c="dimmed">
                        {site.address ?? ""}
                        {km !== null ? ` · ${formatDistance(km, i18n.language)}` : ""}
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
