import { Alert, Anchor, Loader, Stack } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router";
import { AuthFrame } from "../pages/Login";
import { postAccountLink, tokenFromFragment } from "./links";

/** `/verify-email#token=…` from the verification mail: posts the token once, says the result. */
export function VerifyEmail() {
  const { t } = useTranslation();
  const token = tokenFromFragment(useLocation().hash);
  const verify = useMutation({ mutationFn: async (value: string) => postAccountLink("/v1/auth/verify-email", { token: value }) });
  const { mutate } = verify;
  useEffect(() => {
    if (token) mutate(token);
  }, [token, mutate]);
  return (
    <AuthFrame title={t("reset.verifyTitle")}>
      <Stack>
        {!token || verify.isError ? (
          <Alert color="red" role="alert">
            {t("reset.badLink")}
          </Alert>
        ) : verify.isSuccess ? (
          <Alert role="status">{t("reset.verified")}</Alert>
        ) : (
          <Loader size="sm" aria-label={t("app.loading")} />
        )}
        <Anchor component={Link} to="/login">
          {t("auth.login")}
        </Anchor>
      </Stack>
    </AuthFrame>
  );
}
