import { Route, Routes } from "react-router";
import { RequireAccess } from "../auth/guards";
import { ChargerDetail } from "./ChargerDetail";
import { ChargersList } from "./ChargersList";
import { Dashboard } from "./Dashboard";
import { DriverDetail } from "./DriverDetail";
import { DriversList } from "./DriversList";
import { Provision } from "./Provision";
import { SessionDetail } from "../components/SessionDetail";
import { SessionsList } from "../components/SessionsList";

export default function ConsoleRoutes() {
  return (
    <Routes>
      <Route index element={<Dashboard />} />
      <Route path="chargers" element={<ChargersList />} />
      <Route
        path="chargers/new"
        element={
          <RequireAccess allowed={(can) => can.provision}>
            <Provision />
          </RequireAccess>
        }
      />
      <Route path="chargers/:cpId" element={<ChargerDetail />} />
      <Route path="sessions" element={<SessionsList base="/console/sessions" staff />} />
      <Route path="sessions/:sessionId" element={<SessionDetail />} />
      <Route path="drivers" element={<DriversList />} />
      <Route path="drivers/:userId" element={<DriverDetail />} />
    </Routes>
  );
}
