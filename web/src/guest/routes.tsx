import { GuestOffer } from "./GuestOffer";
import { GuestSession } from "./GuestSession";

/** Pages for guests without an account (their own chunk): a connector's QR page, their session. */
export default function GuestPage({ page }: { page: "offer" | "session" }) {
  return page === "offer" ? <GuestOffer /> : <GuestSession />;
}
