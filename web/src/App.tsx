import { IconBolt, IconCreditCard, IconMapPin, IconUser } from "@tabler/icons-react";
import { IconCalendar, IconChartBar, IconFileInvoice, IconHelp, IconRepeat, IconWallet } from "@tabler/icons-react";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Route, Routes } from "react-router";
import { Forbidden, HomeRedirect, RequireAccess } from "./auth/guards";
import { PageTitle } from "./components/PageTitle";
import { Shell } from "./components/Shell";
import { Login } from "./pages/Login";
import { Register } from "./pages/Register";
import { ResetPassword } from "./account/ResetPassword";
import { VerifyEmail } from "./account/VerifyEmail";

// Each half of the app is its own chunk: a driver's phone never downloads the console.
const Console = lazy(() => import("./console/routes"));
const Driver = lazy(() => import("./driver/routes"));
const Guest = lazy(() => import("./guest/routes"));

function NotFound() {
  const { t } = useTranslation();
  return (
    <main id="main" style={{ padding: "2rem" }}>
      <PageTitle text={t("auth.notFound")} />
    </main>
  );
}

export function App() {
  const { t } = useTranslation();
  const icon = { size: 18, "aria-hidden": true } as const;
  return (
    <Suspense fallback={null}>
      <Routes>
        <Route path="/" element={<HomeRedirect />} />
        <Route path="/login" element={<Login />} />
        <Route path="/register" element={<Register />} />
        <Route path="/reset-password" element={<ResetPassword />} />
        <Route path="/verify-email" element={<VerifyEmail />} />
        <Route
          path="/console/*"
          element={
            <RequireAccess allowed={(can) => can.console}>
              <Console />
            </RequireAccess>
          }
        />
        <Route
          path="/app/*"
          element={
            <RequireAccess allowed={(can) => can.driverApp}>
              <Shell
                title={t("nav.driverApp")}
                items={[
                  { to: "/app", label: t("nav.findChargers"), icon: <IconMapPin {...icon} />, end: true },
                  { to: "/app/cards", label: t("nav.cards"), icon: <IconCreditCard {...icon} /> },
                  { to: "/app/sessions", label: t("nav.mySessions"), icon: <IconBolt {...icon} /> },
                  { to: "/app/bookings", label: t("driverNav.bookings"), icon: <IconCalendar {...icon} /> },
                  { to: "/app/payment", label: t("driverNav.payment"), icon: <IconWallet {...icon} /> },
                  { to: "/app/invoices", label: t("driverNav.invoices"), icon: <IconFileInvoice {...icon} /> },
                  { to: "/app/subscription", label: t("driverNav.subscription"), icon: <IconRepeat {...icon} /> },
                  { to: "/app/stats", label: t("driverNav.stats"), icon: <IconChartBar {...icon} /> },
                  { to: "/app/support", label: t("driverNav.support"), icon: <IconHelp {...icon} /> },
                  { to: "/app/account", label: t("nav.account"), icon: <IconUser {...icon} /> },
                ]}
              >
                <Driver />
              </Shell>
            </RequireAccess>
          }
        />
        {/* Guests (no account): a connector's QR page and the guest's session. */}
        <Route path="/c/:cpId/:connector" element={<Guest page="offer" />} />
        <Route path="/guest" element={<Guest page="session" />} />
        <Route path="/forbidden" element={<Forbidden />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Suspense>
  );
}

