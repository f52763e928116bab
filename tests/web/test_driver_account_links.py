"""The pages behind identity's account mails render and pass axe's checks: reset password
(ask for a link; with `#token=` from the mail, set a new password) and confirm e-mail. The calls
themselves land with identity's routes (see web/README.md)."""

from __future__ import annotations

from playwright.async_api import expect

from tests.web.conftest import Watched, assert_accessible


async def test_reset_password_and_verify_email_pages(watched: Watched) -> None:
    page = watched.page
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto("/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await expect(page.get_by_role("heading", name="Reset password")).to_be_visible()
    await expect(page.get_by_label("Email")).to_be_visible()
    await assert_accessible(page, "reset password: ask for a link")
    await page.goto("/reset-password#token=abc.DEF-123")
    await expect(page.get_by_label("New password")).to_be_visible()
    await assert_accessible(page, "reset password: new password")
    await page.goto("/verify-email")  # no token: the page says the link is not valid
    await expect(page.get_by_role("alert")).to_contain_text("not valid")
    await assert_accessible(page, "verify e-mail")
