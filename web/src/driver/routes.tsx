import { lazy } from "react";
import { Route, Routes } from "react-router";
import { SessionDetail } from "../components/SessionDetail";
import { SessionsList } from "../components/SessionsList";
import { Account } from "./Account";
import { Bookings } from "./Bookings";
import { CardSession } from "./CardSession";
import { Charge } from "./Charge";
import { FindChargers } from "./FindChargers";
import { HoldSession } from "./HoldSession";
import { InvoiceDetail, Invoices } from "./Invoices";
import { MyCards } from "./MyCards";
import { PaymentMethods } from "./PaymentMethods";
import { Site } from "./Site";
import { Subscription } from "./Subscription";
import { NewTicket, SupportTickets, TicketConversation } from "./Support";

// Charts are a chunk of their own, loaded with the page that draws them.
const Stats = lazy(() => import("./Stats"));

export default function DriverRoutes() {
  return (
    <Routes>
      <Route index element={<FindChargers />} />
      <Route path="sites/:site" element={<Site />} />
      <Route path="charge/:cpId/:connector" element={<Charge />} />
      <Route path="holds/:holdId" element={<HoldSession />} />
      <Route path="card-starts/:startId" element={<CardSession />} />
      <Route path="bookings" element={<Bookings />} />
      <Route path="cards" element={<MyCards />} />
      <Route path="payment" element={<PaymentMethods />} />
      <Route path="invoices" element={<Invoices />} />
      <Route path="invoices/:invoiceId" element={<InvoiceDetail />} />
      <Route path="subscription" element={<Subscription />} />
      <Route path="stats" element={<Stats />} />
      <Route path="support" element={<SupportTickets />} />
      <Route path="support/new" element={<NewTicket />} />
      <Route path="support/:ticketId" element={<TicketConversation />} />
      <Route path="sessions" element={<SessionsList base="/app/sessions" />} />
      <Route path="sessions/:sessionId" element={<SessionDetail />} />
      <Route path="account" element={<Account />} />
    </Routes>
  );
}
