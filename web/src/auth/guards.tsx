import { Button, Center, Loader, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, useLocation } from "react-router";
import { PageTitle } from "../components/PageTitle";
import { useAuth } from "./AuthProvider";
import { homeFor, type Permissions } from "./permissions";

function Waiting() {
  const { t } = useTranslation();
  return (
    <Center h="60vh" role="status">
      <Loader aria-label={t("app.loading")} />
    </Center>
  );
}

export function Forbidden() {
  const { t } = useTranslation();
  const { user } = useAuth();
  return (
    <Stack p="xl" maw={560} mx="auto" component="main" id="main">
      <PageTitle text={t("auth.forbiddenTitle")} />
      <Text>{t("auth.forbiddenText")}</Text>
      <Button component={Link} to={homeFor(user?.roles ?? [])} w="fit-content">
        {t("auth.goHome")}
      </Button>
    </Stack>
  );
}

/**
 * Renders `children` only for a logged-in user the `allowed` check accepts. Nothing of the
 * guarded part mounts otherwise, so none of its API calls are made.
 */
export function RequireAccess({ allowed, children }: { allowed: (can: Permissions) => boolean; children: ReactNode }) {
  const { status, can } = useAuth();
  const location = useLocation();
  if (status === "loading") return <Waiting />;
  if (status === "anonymous") {
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  return allowed(can) ? <>{children}</> : <Forbidden />;
}

export function HomeRedirect() {
  const { status, user } = useAuth();
  if (status === "loading") return <Waiting />;
  if (status === "anonymous") return <Navigate to="/login" replace />;
  return <Navigate to={homeFor(user?.roles ?? [])} replace />;
}
