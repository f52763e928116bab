import { Alert, Anchor, Button, Paper, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ApiError } from "../api/client";
import { useAuth } from "../auth/AuthProvider";
import { homeFor } from "../auth/permissions";
import { LanguagePicker } from "../components/LanguagePicker";
import { PageTitle } from "../components/PageTitle";

/** Only a same-site path may be a target after login (no open redirect). */
export function safeNext(next: string | null): string | null {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : null;
}

export function AuthFrame({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Stack component="main" id="main" maw={420} mx="auto" p="md" pt="xl">
      <Text fw={700} size="xl" c="ladda.8">
        Ladda
      </Text>
      <PageTitle text={title} />
      <Paper withBorder p="lg" radius="md">
        {children}
      </Paper>
      <LanguagePicker />
    </Stack>
  );
}

export function Login() {
  const { t } = useTranslation();
  const { login } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const user = await login(email, password);
      navigate(safeNext(params.get("next")) ?? homeFor(user.roles), { replace: true });
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t("auth.loginFailed") : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthFrame title={t("auth.login")}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <TextInput label={t("auth.email")} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <PasswordInput label={t("auth.password")} autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          <Button type="submit" loading={busy}>
            {t("auth.login")}
          </Button>
          <Text size="sm">
            {t("auth.noAccount")}{" "}
            <Anchor component={Link} to="/register">
              {t("auth.register")}
            </Anchor>
          </Text>
          <Anchor component={Link} to="/reset-password" size="sm">
            {t("reset.forgot")}
          </Anchor>
        </Stack>
      </form>
    </AuthFrame>
  );
}
