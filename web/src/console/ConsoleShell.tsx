import {
  IconAlertTriangle,
  IconBolt,
  IconCalendar,
  IconChartBar,
  IconChargingPile,
  IconChecklist,
  IconFileInvoice,
  IconHeadset,
  IconLayoutDashboard,
  IconListCheck,
  IconReceipt2,
  IconShieldCheck,
  IconTool,
  IconUsers,
} from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useAuth } from "../auth/AuthProvider";
import { Forbidden } from "../auth/guards";
import { Shell, type NavItem } from "../components/Shell";
import { consoleAccess, type ConsoleAccess } from "./access";
import "./console.css";
import "./texts";

const icon = { size: 18, "aria-hidden": true } as const;

/** The console's frame: only the areas the user's roles may use are in the menu. */
export function ConsoleShell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const access = consoleAccess(user?.roles ?? []);
  const items: (NavItem & { show: boolean })[] = [
    { to: "/console", label: t("nav.dashboard"), icon: <IconLayoutDashboard {...icon} />, end: true, show: true },
    { to: "/console/chargers", label: t("nav.chargers"), icon: <IconChargingPile {...icon} />, show: true },
    { to: "/console/sessions", label: t("nav.sessions"), icon: <IconBolt {...icon} />, show: true },
    { to: "/console/drivers", label: t("nav.drivers"), icon: <IconUsers {...icon} />, show: true },
    { to: "/console/alerts", label: t("console.consoleNav.alerts"), icon: <IconAlertTriangle {...icon} />, show: access.readAlerts },
    { to: "/console/work-orders", label: t("console.consoleNav.workOrders"), icon: <IconTool {...icon} />, show: access.maintenance },
    { to: "/console/inspections", label: t("console.consoleNav.inspections"), icon: <IconChecklist {...icon} />, show: access.maintenance },
    { to: "/console/checklists", label: t("console.consoleNav.checklists"), icon: <IconListCheck {...icon} />, show: access.maintenance },
    { to: "/console/equipment", label: t("console.consoleNav.equipment"), icon: <IconShieldCheck {...icon} />, show: access.securityEquipment },
    { to: "/console/support", label: t("console.consoleNav.support"), icon: <IconHeadset {...icon} />, show: access.supportQueue },
    { to: "/console/tariffs", label: t("console.consoleNav.tariffs"), icon: <IconReceipt2 {...icon} />, show: access.readPrices },
    { to: "/console/invoices", label: t("console.consoleNav.invoices"), icon: <IconFileInvoice {...icon} />, show: access.invoices },
    { to: "/console/bookings", label: t("console.consoleNav.bookings"), icon: <IconCalendar {...icon} />, show: access.readBookings },
    { to: "/console/statistics", label: t("console.consoleNav.statistics"), icon: <IconChartBar {...icon} />, show: access.networkStats },
  ];
  return (
    <Shell title={t("nav.console")} items={items.filter((item) => item.show)}>
      {children}
    </Shell>
  );
}

/** A console route for the roles `allowed` accepts; others get the forbidden page, unmounted. */
export function RequireArea({ allowed, children }: { allowed: (access: ConsoleAccess) => boolean; children: ReactNode }) {
  const { user } = useAuth();
  return allowed(consoleAccess(user?.roles ?? [])) ? <>{children}</> : <Forbidden />;
}
