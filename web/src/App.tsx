import { IconBolt, IconCreditCard, IconMapPin, IconUser } from "@tabler/icons-react";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Route, Routes } from "react-router";
import { Forbidden, HomeRedirect, RequireAccess } from "./auth/guards";
import { PageTitle } from "./components/PageTitle";
import { Shell } from "./components/Shell";
import { Login } from "./pages/Login";
import { Register } from "./pages/Register";

// Each half of the app is its own chunk: a driver's phone never downloads the console.
const Console = lazy(() => import("./console/routes"));
const Driver = lazy(() => import("./driver/routes"));

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
                  { to: "/app/account", label: t("nav.account"), icon: <IconUser {...icon} /> },
                ]}
              >
                <Driver />
              </Shell>
            </RequireAccess>
          }
        />
        <Route path="/forbidden" element={<Forbidden />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Suspense>
  );
}

