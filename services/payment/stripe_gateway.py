"""The one place that talks to Stripe (or a Stripe-compatible test server such as localstripe).

Every write carries an idempotency key derived from what it pays for (the caller passes the
thing, this module spells the key), every call has a timeout, and Stripe's errors leave this
module only as the domain errors below. Objects come back as small dataclasses, never as
`stripe.StripeObject`, so nothing else in the service imports `stripe`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import stripe
import structlog

from services.payment.settings import Settings
from services.payment.stripe_objects import (
    PaymentIntentInfo,
    PaymentMethodInfo,
    RefundInfo,
    SetupIntentInfo,
    WebhookEvent,
    id_of,
    payment_intent_info,
    payment_method_info,
)
from shared.problems import DomainError, Invalid, Unavailable

log = structlog.get_logger(__name__)


class PaymentDeclined(DomainError):
    """The card or wallet was refused (declined, or it needs the cardholder to authenticate)."""

    status, slug = 402, "payment-declined"


class StripeRejected(Invalid):
    """Stripe refused the request itself (unknown object, wrong state)."""

    slug = "stripe-rejected"


class StripeObjectMissing(StripeRejected):
    """Stripe no longer knows an object Ladda refers to (`resource_missing`): a customer deleted
    in Stripe's dashboard, or a test server that lost its state."""

    slug = "stripe-object-missing"


class StripeUnavailable(Unavailable):
    slug = "stripe-unavailable"


class WebhookSignatureInvalid(DomainError):
    status, slug = 400, "webhook-signature-invalid"


class StripeHttpClient(stripe.HTTPXClient):
    """Stripe's httpx client, passing the encoded form as `content` (httpx deprecates `data=str`)."""

    def _get_request_args_kwargs(self, method: str, url: str, headers: Any, post_data: Any) -> Any:
        args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
        body = kwargs.pop("data", None)
        if body:
            kwargs["content"] = body
        return [args, kwargs]


class StripeGateway:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
        self._http = StripeHttpClient(timeout=settings.stripe_timeout_s)
        self._client = stripe.StripeClient(
            settings.stripe_api_key.get_secret_value(),
            base_addresses=base,  # type: ignore[arg-type]
            http_client=self._http,
            max_network_retries=settings.stripe_max_network_retries,
        )
        # Real Stripe needs `off_session` on the confirmation of a saved card charged without
        # the driver present; localstripe's confirm accepts no parameters at all.
        self._confirm_off_session = settings.stripe_api_base is None

    async def aclose(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def _call(self, operation: str, call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
        """Run one Stripe call; its result as a plain dict, its errors as domain errors."""
        try:
            result: dict[str, Any] = (await call()).to_dict()
            return result
        except stripe.CardError as exc:
            raise PaymentDeclined(
                exc.user_message or "The payment method was declined.",
                code=exc.code or "card_declined",
            ) from exc
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            log.warning("payment.stripe.unavailable", operation=operation, error=type(exc).__name__)
            raise StripeUnavailable("The payment provider is unreachable; try again.") from exc
        except stripe.InvalidRequestError as exc:
            log.info("payment.stripe.rejected", operation=operation, code=exc.code)
            # localstripe answers a bare 404 where Stripe says `resource_missing`.
            if exc.code == "resource_missing" or exc.http_status == 404:
                raise StripeObjectMissing(
                    "The payment provider no longer knows this customer or payment method."
                ) from exc
            raise StripeRejected(
                exc.user_message or "The payment provider refused the request."
            ) from exc
        except stripe.StripeError as exc:
            log.error(
                "payment.stripe.error",
                operation=operation,
                error=type(exc).__name__,
                status=exc.http_status,
            )
            raise StripeUnavailable("The payment provider failed; try again.") from exc

    async def call(
        self, operation: str, request: Callable[[stripe.StripeClient], Awaitable[Any]]
    ) -> dict[str, Any]:
        """One call for the Billing wrapper (`stripe_billing.py`), with this module's errors."""
        return await self._call(operation, lambda: request(self._client))

    # -- customers and payment methods -------------------------------------------------------

    async def create_customer(self, user_id: str, replacing: str | None = None) -> str:
        """`replacing`: the driver's customer that Stripe lost; a key of its own, since the
        first key would answer the lost customer again (Stripe keeps keys for 24 hours)."""
        key = f"customer:{user_id}" + (f":replacing:{replacing}" if replacing else "")
        customer = await self._call(
            "customers.create",
            lambda: self._client.v1.customers.create_async(
                params={"metadata": {"ladda_user_id": user_id}},
                options={"idempotency_key": key},
            ),
        )
        return str(customer["id"])

    async def customer_exists(self, customer_id: str) -> bool:
        """False once the customer is deleted (Stripe keeps a `deleted` stub; localstripe 404s)."""
        try:
            customer = await self._call(
                "customers.retrieve",
                lambda: self._client.v1.customers.retrieve_async(customer_id),
            )
        except StripeObjectMissing:
            return False
        return not customer.get("deleted")

    async def payment_method_usable(self, payment_method_id: str, customer_id: str) -> bool:
        """The method still exists and is still attached to this customer."""
        try:
            method = await self.retrieve_payment_method(payment_method_id)
        except StripeObjectMissing:
            return False
        return method.customer_id == customer_id

    async def create_setup_intent(
        self, customer_id: str, user_id: str, request_key: str
    ) -> SetupIntentInfo:
        intent = await self._call(
            "setup_intents.create",
            lambda: self._client.v1.setup_intents.create_async(
                params={
                    "customer": customer_id,
                    "usage": "off_session",
                    "metadata": {"ladda_user_id": user_id},
                },
                options={"idempotency_key": f"setup-intent:{user_id}:{request_key}"},
            ),
        )
        return self._setup_intent_info(intent)

    async def retrieve_setup_intent(self, setup_intent_id: str) -> SetupIntentInfo:
        intent = await self._call(
            "setup_intents.retrieve",
            lambda: self._client.v1.setup_intents.retrieve_async(setup_intent_id),
        )
        return self._setup_intent_info(intent)

    @staticmethod
    def _setup_intent_info(intent: Any) -> SetupIntentInfo:
        return SetupIntentInfo(
            id=intent["id"],
            client_secret=intent.get("client_secret"),
            status=intent["status"],
            customer_id=id_of(intent.get("customer")),
            payment_method_id=id_of(intent.get("payment_method")),
        )

    async def confirm_setup_intent(
        self, setup_intent_id: str, payment_method_id: str
    ) -> SetupIntentInfo:
        """What the app's Stripe SDK does with the client secret; used by the demo seed and tests."""
        intent = await self._call(
            "setup_intents.confirm",
            lambda: self._client.v1.setup_intents.confirm_async(
                setup_intent_id,
                params={"payment_method": payment_method_id},
                options={"idempotency_key": f"setup-intent-confirm:{setup_intent_id}"},
            ),
        )
        return self._setup_intent_info(intent)

    async def retrieve_payment_method(self, payment_method_id: str) -> PaymentMethodInfo:
        method = await self._call(
            "payment_methods.retrieve",
            lambda: self._client.v1.payment_methods.retrieve_async(payment_method_id),
        )
        return payment_method_info(method)

    async def attach_payment_method(
        self, payment_method_id: str, customer_id: str
    ) -> PaymentMethodInfo:
        method = await self._call(
            "payment_methods.attach",
            lambda: self._client.v1.payment_methods.attach_async(
                payment_method_id,
                params={"customer": customer_id},
                options={"idempotency_key": f"attach:{payment_method_id}:{customer_id}"},
            ),
        )
        return payment_method_info(method)

    async def detach_payment_method(self, payment_method_id: str) -> None:
        await self._call(
            "payment_methods.detach",
            lambda: self._client.v1.payment_methods.detach_async(
                payment_method_id, options={"idempotency_key": f"detach:{payment_method_id}"}
            ),
        )

    # -- payments ----------------------------------------------------------------------------

    async def create_payment_intent(
        self,
        *,
        key: str,
        amount: int,
        currency: str,
        customer_id: str | None,
        payment_method_id: str | None,
        metadata: dict[str, str],
        capture_method: str | None = None,
    ) -> PaymentIntentInfo:
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency.lower(),
            "metadata": metadata,
        }
        if customer_id:
            params["customer"] = customer_id
        if payment_method_id:
            params["payment_method"] = payment_method_id
        if capture_method:
            params["capture_method"] = capture_method
        intent = await self._call(
            "payment_intents.create",
            lambda: self._client.v1.payment_intents.create_async(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"payment-intent:{key}"},
            ),
        )
        return payment_intent_info(intent)

    async def confirm_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo:
        """Confirm off-session. A decline does not raise: the intent's state says what happened."""
        params: dict[str, Any] = {"off_session": True} if self._confirm_off_session else {}
        try:
            intent = await self._call(
                "payment_intents.confirm",
                lambda: self._client.v1.payment_intents.confirm_async(
                    payment_intent_id,
                    params=params,  # type: ignore[arg-type]
                    options={"idempotency_key": f"confirm:{payment_intent_id}"},
                ),
            )
        except PaymentDeclined:
            return await self.retrieve_payment_intent(payment_intent_id)
        return payment_intent_info(intent)

    async def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo:
        intent = await self._call(
            "payment_intents.retrieve",
            lambda: self._client.v1.payment_intents.retrieve_async(payment_intent_id),
        )
        return payment_intent_info(intent)

    async def cancel_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo:
        intent = await self._call(
            "payment_intents.cancel",
            lambda: self._client.v1.payment_intents.cancel_async(
                payment_intent_id, options={"idempotency_key": f"cancel:{payment_intent_id}"}
            ),
        )
        return payment_intent_info(intent)

    async def capture_payment_intent(
        self, payment_intent_id: str, amount: int
    ) -> PaymentIntentInfo:
        intent = await self._call(
            "payment_intents.capture",
            lambda: self._client.v1.payment_intents.capture_async(
                payment_intent_id,
                params={"amount_to_capture": amount},
                options={"idempotency_key": f"capture:{payment_intent_id}"},
            ),
        )
        return payment_intent_info(intent)

    async def create_refund(
        self, *, key: str, payment_intent_id: str, amount: int, metadata: dict[str, str]
    ) -> RefundInfo:
        refund = await self._call(
            "refunds.create",
            lambda: self._client.v1.refunds.create_async(
                params={
                    "payment_intent": payment_intent_id,
                    "amount": amount,
                    "metadata": metadata,
                },
                options={"idempotency_key": f"refund:{key}"},
            ),
        )
        return RefundInfo(
            id=refund["id"],
            status=refund["status"],
            amount=int(refund["amount"]),
            currency=str(refund["currency"]).upper(),
            charge_id=id_of(refund.get("charge")),
        )

    # -- webhooks ----------------------------------------------------------------------------

    def verify_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """Check the `Stripe-Signature` header (HMAC-SHA256, timestamp within the tolerance)."""
        secret = self._settings.stripe_webhook_secret
        if secret is None:
            raise Unavailable("Stripe webhooks are not configured on this service.")
        if not signature:
            raise WebhookSignatureInvalid("The Stripe-Signature header is missing.")
        try:
            event = stripe.Webhook.construct_event(
                payload,
                signature,
                secret.get_secret_value(),
                tolerance=self._settings.stripe_webhook_tolerance_s,
            )
        except stripe.SignatureVerificationError as exc:
            raise WebhookSignatureInvalid("The webhook signature does not verify.") from exc
        except ValueError as exc:
            raise WebhookSignatureInvalid("The webhook body is not a Stripe event.") from exc
        raw = event.to_dict()
        data = raw.get("data") or {}
        obj = data.get("object") if isinstance(data, dict) else None
        if not isinstance(obj, dict) or not raw.get("id") or not raw.get("type"):
            raise WebhookSignatureInvalid("The webhook body is not a Stripe event.")
        return WebhookEvent(
            id=str(raw["id"]),
            type=str(raw["type"]),
            created=int(raw.get("created") or 0),
            object=obj,
            payload=raw,
        )
