import { Route, Routes } from "react-router";
import { GuestOffer } from "./GuestOffer";
import { GuestSession } from "./GuestSession";

/** Pages for guests without an account: a connector's QR page and their session. */
export default function GuestRoutes() {
  return (
    <Routes>
      <Route path="/c/:cpId/:connector" element={<GuestOffer />} />
      <Route path="/guest" element={<GuestSession />} />
    </Routes>
  );
}
