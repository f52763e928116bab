import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { notify } from "../notify";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { api, ApiError } from "../api/client";
import { useAuth } from "../auth/AuthProvider";
import { AuthFrame } from "./Login";

export function Register() {
  const { t, i18n } = useTranslation();
  const { login } = useAuth();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { error: problem, response } = await api.POST("/v1/auth/register", {
        // The account's mails come in the language the driver registered in.
        body: { email, password, display_name: name || null, locale: i18n.language === "sv" ? "sv" : "en" },
      });
      if (!response.ok) throw new ApiError(response.status, problem as ApiError["problem"]);
      await login(email, password);
      notify(t("auth.registered"));
      navigate("/app", { replace: true });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthFrame title={t("auth.register")}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <TextInput label={t("auth.email")} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <TextInput label={t("auth.displayName")} autoComplete="name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <PasswordInput
            label={t("auth.password")}
            description={t("auth.passwordHint")}
            autoComplete="new-password"
            required
            minLength={10}
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <Button type="submit" loading={busy}>
            {t("auth.register")}
          </Button>
          <Text size="sm">
            {t("auth.haveAccount")}{" "}
            <Anchor component={Link} to="/login">
              {t("auth.login")}
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthFrame>
  );
}
