import { Route, Routes } from "react-router";
import { SessionDetail } from "../components/SessionDetail";
import { SessionsList } from "../components/SessionsList";
import { Account } from "./Account";
import { FindChargers } from "./FindChargers";
import { MyCards } from "./MyCards";

export default function DriverRoutes() {
  return (
    <Routes>
      <Route index element={<FindChargers />} />
      <Route path="cards" element={<MyCards />} />
      <Route path="sessions" element={<SessionsList base="/app/sessions" />} />
      <Route path="sessions/:sessionId" element={<SessionDetail />} />
      <Route path="account" element={<Account />} />
    </Routes>
  );
}
