import { lazy } from "react";
import { Route, Routes } from "react-router";
import { RequireAccess } from "../auth/guards";
import { SessionDetail } from "../components/SessionDetail";
import { SessionsList } from "../components/SessionsList";
import { AlertsList } from "./operations/AlertsList";
import { ChecklistTemplateEditor } from "./operations/ChecklistTemplateEditor";
import { ChecklistTemplates } from "./operations/ChecklistTemplates";
import { SecurityEquipment } from "./operations/SecurityEquipment";
import { InspectionDetail } from "./operations/InspectionDetail";
import { Inspections } from "./operations/Inspections";
import { WorkOrderDetail } from "./operations/WorkOrderDetail";
import { WorkOrders } from "./operations/WorkOrders";
import { Bookings } from "./booking/Bookings";
import { InvoiceDetail } from "./payment/InvoiceDetail";
import { Invoices } from "./payment/Invoices";
import { TariffEditor } from "./payment/TariffEditor";
import { Tariffs } from "./payment/Tariffs";
import { SupportQueue } from "./support/SupportQueue";
import { TicketView } from "./support/TicketView";
import { ChargerDetail } from "./ChargerDetail";
import { ChargersList } from "./ChargersList";
import { ConsoleShell, RequireArea } from "./ConsoleShell";
import { Dashboard } from "./Dashboard";
import { DriverDetail } from "./DriverDetail";
import { DriversList } from "./DriversList";
import { Provision } from "./Provision";

// Statistics brings Chart.js: its own chunk, loaded when opened.
const Statistics = lazy(() => import("./analytics/Statistics").then((module) => ({ default: module.Statistics })));

export default function ConsoleRoutes() {
  return (
    <ConsoleShell>
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
        <Route path="alerts" element={<RequireArea allowed={(a) => a.readAlerts}><AlertsList /></RequireArea>} />
        <Route path="work-orders" element={<RequireArea allowed={(a) => a.maintenance}><WorkOrders /></RequireArea>} />
        <Route path="work-orders/:workOrderId" element={<RequireArea allowed={(a) => a.maintenance}><WorkOrderDetail /></RequireArea>} />
        <Route path="inspections" element={<RequireArea allowed={(a) => a.maintenance}><Inspections /></RequireArea>} />
        <Route path="inspections/:inspectionId" element={<RequireArea allowed={(a) => a.maintenance}><InspectionDetail /></RequireArea>} />
        <Route path="checklists" element={<RequireArea allowed={(a) => a.maintenance}><ChecklistTemplates /></RequireArea>} />
        <Route path="checklists/new" element={<RequireArea allowed={(a) => a.maintenance}><ChecklistTemplateEditor /></RequireArea>} />
        <Route path="checklists/:templateId" element={<RequireArea allowed={(a) => a.maintenance}><ChecklistTemplateEditor /></RequireArea>} />
        <Route path="equipment" element={<RequireArea allowed={(a) => a.securityEquipment}><SecurityEquipment /></RequireArea>} />
        <Route path="support" element={<RequireArea allowed={(a) => a.supportQueue}><SupportQueue /></RequireArea>} />
        <Route path="support/:ticketId" element={<RequireArea allowed={(a) => a.supportQueue}><TicketView /></RequireArea>} />
        <Route path="tariffs" element={<RequireArea allowed={(a) => a.readPrices}><Tariffs /></RequireArea>} />
        <Route path="tariffs/new" element={<RequireArea allowed={(a) => a.editPrices}><TariffEditor /></RequireArea>} />
        <Route path="invoices" element={<RequireArea allowed={(a) => a.invoices}><Invoices /></RequireArea>} />
        <Route path="invoices/:invoiceId" element={<RequireArea allowed={(a) => a.invoices}><InvoiceDetail /></RequireArea>} />
        <Route path="bookings" element={<RequireArea allowed={(a) => a.readBookings}><Bookings /></RequireArea>} />
        <Route path="statistics" element={<RequireArea allowed={(a) => a.networkStats}><Statistics /></RequireArea>} />
      </Routes>
    </ConsoleShell>
  );
}
