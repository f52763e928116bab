import { Alert, Button, Input, Stack, Text } from "@mantine/core";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { loadStripe, stripeConfigured, type StripeCardElement, type StripeJs } from "./stripe";

/**
 * A card field drawn by Stripe Elements and a submit button. `onSubmit` gets Stripe.js and the
 * mounted element (to confirm a SetupIntent or a PaymentIntent with); the card number never
 * passes through the app's own code.
 */
export function CardForm({ submitLabel, onSubmit, busy }: { submitLabel: string; busy?: boolean; onSubmit: (stripe: StripeJs, card: StripeCardElement) => Promise<void> }) {
  const { t } = useTranslation();
  const mountRef = useRef<HTMLDivElement>(null);
  const [stripe, setStripe] = useState<{ js: StripeJs; card: StripeCardElement } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [working, setWorking] = useState(false);
  const labelId = useId();

  useEffect(() => {
    if (!stripeConfigured()) return;
    let card: StripeCardElement | null = null;
    let gone = false;
    loadStripe()
      .then((js) => {
        if (gone || !mountRef.current) return;
        card = js.elements().create("card", { hidePostalCode: true });
        card.mount(mountRef.current);
        setStripe({ js, card });
      })
      .catch((err: Error) => setError(err.message));
    return () => {
      gone = true;
      card?.destroy();
    };
  }, []);

  if (!stripeConfigured()) return <Alert color="yellow">{t("pay.notConfigured")}</Alert>;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!stripe) return;
    setError(null);
    setWorking(true);
    try {
      await onSubmit(stripe.js, stripe.card);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setWorking(false);
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)}>
      <Stack gap="sm">
        <div>
          <Input.Label id={labelId}>{t("pay.card")}</Input.Label>
          <div ref={mountRef} role="group" aria-labelledby={labelId} data-testid="stripe-card" className="stripe-card" />
          <Text size="xs" c="dimmed">
            {t("pay.byStripe")}
          </Text>
        </div>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Button type="submit" loading={working || busy} disabled={!stripe}>
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}
