import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router";
import { AuthFrame } from "../pages/Login";
import { postAccountLink, tokenFromFragment } from "./links";

/**
 * `/reset-password`: without a token, ask for a reset mail (identity answers 202 whether or not
 * the address has an account, so the page says the same either way); with `#token=…` from the
 * mail, set a new password (every session of the account ends).
 */
export function ResetPassword() {
  const { t } = useTranslation();
  const token = tokenFromFragment(useLocation().hash);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (token) await postAccountLink("/v1/auth/password-reset/confirm", { token, new_password: password });
      else await postAccountLink("/v1/auth/password-reset", { email });
      setDone(true);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthFrame title={t("reset.title")}>
      {done ? (
        <Stack>
          <Alert role="status">{token ? t("reset.changed") : t("reset.sent")}</Alert>
          <Anchor component={Link} to="/login">
            {t("auth.login")}
          </Anchor>
        </Stack>
      ) : (
        <form onSubmit={(event) => void submit(event)}>
          <Stack>
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            {token ? (
              <PasswordInput
                label={t("reset.newPassword")}
                description={t("auth.passwordHint")}
                autoComplete="new-password"
                required
                minLength={10}
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
            ) : (
              <>
                <Text size="sm">{t("reset.intro")}</Text>
                <TextInput label={t("auth.email")} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
              </>
            )}
            <Button type="submit" loading={busy}>
              {token ? t("reset.save") : t("reset.send")}
            </Button>
          </Stack>
        </form>
      )}
    </AuthFrame>
  );
}
