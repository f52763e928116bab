import { Group, Text } from "@mantine/core";
import L from "leaflet";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { config } from "../config";
import { STATE_COLOURS, type StateName } from "../theme";

export interface MapPoint {
  id: string;
  latitude: number;
  longitude: number;
  state: StateName;
  label: string;
  href?: string;
}

/**
 * A Leaflet map of points coloured by state. Tiles come from the gateway's configuration
 * (`LADDA_GATEWAY_WEB_MAP_TILES_URL`); without them the circles still show on a plain
 * background. Markers are vector circles (no image files, nothing for the CSP to allow).
 */
export function StationMap({ points, label, legend }: { points: MapPoint[]; label: string; legend: StateName[] }) {
  const { t } = useTranslation();
  const element = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layer = useRef<L.LayerGroup | null>(null);

  useEffect(() => {
    if (!element.current) return;
    const created = L.map(element.current, { zoomControl: true, attributionControl: Boolean(config.mapTilesUrl) });
    if (config.mapTilesUrl) {
      L.tileLayer(config.mapTilesUrl, { maxZoom: 19, attribution: config.mapAttribution }).addTo(created);
    }
    created.setView([59.33, 18.06], 5);
    layer.current = L.layerGroup().addTo(created);
    map.current = created;
    return () => {
      created.remove();
      map.current = null;
    };
  }, []);

  useEffect(() => {
    const group = layer.current;
    if (!group || !map.current) return;
    group.clearLayers();
    const bounds: L.LatLngExpression[] = [];
    for (const point of points) {
      const colour = STATE_COLOURS[point.state];
      const marker = L.circleMarker([point.latitude, point.longitude], {
        radius: 9,
        color: "#fff",
        weight: 2,
        fillColor: colour,
        fillOpacity: 1,
      });
      const text = document.createElement("div");
      const strong = document.createElement(point.href ? "a" : "strong");
      strong.textContent = point.label;
      if (point.href && strong instanceof HTMLAnchorElement) strong.href = point.href;
      text.appendChild(strong);
      marker.bindTooltip(point.label).bindPopup(text);
      marker.addTo(group);
      bounds.push([point.latitude, point.longitude]);
    }
    if (bounds.length > 0) map.current.fitBounds(L.latLngBounds(bounds), { padding: [30, 30], maxZoom: 14 });
  }, [points]);

  return (
    <div>
      <div ref={element} className="map" role="region" aria-label={label} />
      <Group gap="md" mt="xs" className="map-legend" aria-label={t("dashboard.legend")}>
        {legend.map((state) => (
          <Text size="sm" key={state}>
            <span style={{ background: STATE_COLOURS[state] }} aria-hidden />
            {t(`status.${state}`)}
          </Text>
        ))}
      </Group>
      {!config.mapTilesUrl && (
        <Text size="xs" c="dimmed" mt={4}>
          {t("find.noTiles")}
        </Text>
      )}
    </div>
  );
}
