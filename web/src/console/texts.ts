/**
 * The console's own texts (alerts, maintenance, support, prices, invoices, bookings,
 * statistics), added to the app's English and Swedish texts when the console's chunk loads.
 * All under one top-level key, `console`, so they never collide with the app's own texts.
 * `sv` is typed as `en`'s shape; `texts.test.ts` checks keys and placeholders.
 */
import i18n from "../i18n";

export const consoleEn = {
  console: {
    consoleNav: { alerts: "Alerts", workOrders: "Work orders", inspections: "Inspections and plans", support: "Support", tariffs: "Tariffs and plans", invoices: "Invoices", bookings: "Bookings", statistics: "Statistics" },
    states: {
      open: "Open", acknowledged: "Acknowledged", resolved: "Resolved", high: "High", medium: "Medium", low: "Low", urgent: "Urgent", normal: "Normal",
      assigned: "Assigned", in_progress: "In progress", on_hold: "On hold", done: "Done", cancelled: "Cancelled", closed: "Closed", pending: "Waiting on driver",
      due: "Due", completed: "Completed", paid: "Paid", recorded: "Recorded", void: "Void", confirmed: "Confirmed", active: "Active", fulfilled: "Fulfilled",
      no_show: "No-show", ended: "Ended", pass: "Pass", fail: "Fail", not_applicable: "N/A", succeeded: "Succeeded", failed: "Failed", breached: "Overdue",
    },
    dashboardMore: { energyToday: "Energy today", revenueToday: "Revenue today", alerts: { high: "Open alerts: high", medium: "Open alerts: medium", low: "Open alerts: low" }, allAlerts: "All alerts" },
    alerts: {
      title: "Alerts", status: "Status", severity: "Severity", activeOnly: "Open or acknowledged", alert: "Alert", charger: "Charger or site", opened: "Opened",
      occurrences: "Times", handledBy: "Handled by", actions: "Actions", acknowledge: "Acknowledge", resolve: "Resolve", automatically: "automatically",
      none: "No alerts.", note: "Note (optional)", acknowledgeTitle: "Acknowledge: {{title}}", resolveTitle: "Resolve: {{title}}",
      acknowledged: "Acknowledged: {{title}}", resolved: "Resolved: {{title}}", ofCharger: "Alerts of this charger", titleOf: "Alerts of {{id}}",
    },
    workOrders: {
      title: "Work orders", status: "Status", unfinished: "Not finished", new: "New work order", create: "Create", titleField: "Title", charger: "Charger",
      priority: "Priority", description: "Description", source: "From", assignee: "Technician", created: "Created", closed: "Closed", availability: "Connector availability",
      none: "No work orders.", saved: "Work order saved.", assign: "Assign", close: "Close as done", notes: "Notes", noNotes: "No notes yet.", addNote: "Add a note", saveNote: "Save note",
      sources: { operator: "operator", inspection: "inspection", alert: "alert" },
    },
    inspections: {
      title: "Inspections and maintenance plans", tab: "Inspections", status: "Status", checklist: "Checklist", charger: "Charger", due: "Due", none: "No inspections.",
      start: "Start an inspection", startButton: "Start", itemNote: "Note", inoperativeOnFail: "A failure takes the charger out of service until the work order is done.",
      note: "Overall note", missing_one: "{{count}} item has no result yet.", missing_other: "{{count}} items have no result yet.", complete: "Complete the inspection",
      completed: "Inspection completed.", workOrder: "Work order",
    },
    plans: {
      tab: "Maintenance plans", name: "Name", scope: "Charger or site", interval: "Every", days_one: "{{count}} day", days_other: "{{count}} days", nextDue: "Next due",
      active: "Active", activeFor: "{{name}} active", none: "No maintenance plans.", new: "New maintenance plan", bySite: "For a whole site", site: "Site",
      intervalDays: "Interval (days)", create: "Create plan", created: "Plan created.",
    },
    support: {
      title: "Support queue", search: "Search tickets and messages", status: "Status", active: "Open or waiting", category: "Category", priority: "Priority",
      breachedOnly: "SLA overdue only", unassignedOnly: "Unassigned only", none: "No tickets.", subject: "Subject", assignee: "Agent", created: "Opened", sla: "Due",
      driver: "Driver", conversation: "Conversation", internal: "Internal note", replyToDriver: "Reply to the driver", internalNote: "Internal note", messageKind: "Kind of message",
      replyLabel: "Reply (the driver sees it)", noteLabel: "Internal note (staff only)", noteHint: "Never shown to the driver.", sendReply: "Send reply", saveNote: "Save note",
      replySent: "Reply sent.", assignToMe: "Assign to me", me: "me", noteSaved: "Internal note saved.", linkedSession: "Session", linkedInvoice: "Invoice", linkedBooking: "Booking",
      categories: { charging_problem: "Charging problem", payment_invoice: "Payment or invoice", booking: "Booking", account: "Account", station_safety: "Station safety", other: "Other" },
      moveTo: { open: "Reopen", pending: "Wait on driver", resolved: "Resolve", closed: "Close" },
    },
    tariffs: {
      title: "Tariffs and plans", tariffs: "Tariffs", new: "New tariff", none: "No tariffs.", name: "Name", prices: "Prices (excl. VAT)", chargers: "Chargers",
      chargersHint: "Charger ids, comma-separated; empty for every charger.", allChargers: "All chargers", validFrom: "Valid from", validFromHint: "Empty: from now.", validTo: "Valid to",
      currency: "Currency", vat: "VAT (%)", grace: "Free idle minutes before parking time is charged", invalidPrice: "A price like 3.60", save: "Save tariff", saved: "Tariff {{name}} saved.",
      end: "End now", endConfirm: "End {{name}} now? Prices never change once saved; add a new tariff for new prices.", exclVat: "excl. {{percent}} % VAT",
      components: { energy: "Per kWh", time: "Per hour charging", parking: "Per hour parked (not charging)", flat: "Per session" },
      per: { ENERGY: "/ kWh", TIME: "/ h charging", PARKING_TIME: "/ h parked", FLAT: "/ session" },
      lines: { ENERGY: "Energy", TIME: "Charging time", PARKING_TIME: "Parking time", FLAT: "Session fee" },
      preview: "Price preview", sampleEnergy: "Energy (kWh)", sampleCharging: "Charging (min)", sampleParking: "Parked after (min)", noPrices: "Enter at least one price.",
      line: "Line", quantity: "Quantity", amount: "Amount", subtotal: "Subtotal", vatLine: "VAT {{percent}} %", total: "Total",
      previewNote: "Computed here with the payment service's rules (steps, grace period, VAT rounded half-up once); the invoice is priced by the service.",
      plans: "Subscription plans", newPlan: "New plan", noPlans: "No plans.", planKind: "Kind", monthlyFee: "Monthly fee (incl. VAT)", allowance: "kWh included per month",
      createPlan: "Create plan", kinds: { unlimited: "Unlimited", allowance: "Allowance" },
    },
    invoices: {
      title: "Invoices", status: "Status", driver: "Driver", none: "No invoices.", number: "Number", issued: "Issued", charger: "Charger", total: "Total", refunded: "Refunded",
      detail: "Invoice {{number}}", receipt: "Receipt (PDF)", guest: "guest", session: "Session", energy: "Energy", paid: "Paid", refunds: "Refunds", noRefunds: "No refunds.",
      refund: "Refund", refundAmount: "Amount", refundAmountHint: "Empty: everything not yet refunded ({{amount}}).", refundReason: "Reason", refundDone: "Refund made.",
      refundConfirm: "Refund this amount to the driver's card?",
    },
    bookings: {
      title: "Bookings", site: "Site", charger: "Charger", day: "Day", show: "Show", noChargers: "No chargers found.", dayOf: "Reservations of {{label}}",
      kinds: { booking: "Booking", block: "Blocked" }, cancelConfirm: "Cancel this reservation?", blockTitle: "Block a connector",
      blockIntro: "A block keeps drivers from booking the connector (maintenance, events, a fleet). Existing bookings in the window must be cancelled first.",
      connector: "Connector", from: "From", to: "To", note: "Note", block: "Block", blocked: "Connector blocked.",
    },
    stats: {
      title: "Statistics", from: "From", to: "To", granularity: "Per", granularities: { hour: "hour", day: "day", week: "week", month: "month" },
      csvNetwork: "CSV: network", csvConnectors: "CSV: connectors", csvStations: "CSV: stations", csvHeatMap: "CSV: heat map", sessions: "Sessions", energy: "Energy",
      revenue: "Revenue", drivers: "Active drivers (most in a period)", chart: "Energy and revenue per period", stations: "Stations by utilisation or uptime",
      orderBy: "Order by", direction: "Top or bottom", utilisation: "Utilisation", uptime: "Uptime", top: "Top", bottom: "Bottom", noData: "No figures for this period.",
      charger: "Charger", occupied: "Occupied", charging: "Charging", needsCapacity: "needs capacity", heatMap: "Sessions by weekday and hour", weekday: "Day",
      cell_one: "{{day}} {{hour}}:00: {{count}} session", cell_other: "{{day}} {{hour}}:00: {{count}} sessions",
    },
  },
};

export const consoleSv: typeof consoleEn = {
  console: {
    consoleNav: { alerts: "Larm", workOrders: "Arbetsordrar", inspections: "Inspektioner och planer", support: "Support", tariffs: "Taxor och abonnemang", invoices: "Fakturor", bookings: "Bokningar", statistics: "Statistik" },
    states: {
      open: "Öppen", acknowledged: "Kvitterad", resolved: "Åtgärdad", high: "Hög", medium: "Medel", low: "Låg", urgent: "Brådskande", normal: "Normal",
      assigned: "Tilldelad", in_progress: "Pågår", on_hold: "Pausad", done: "Klar", cancelled: "Avbruten", closed: "Stängd", pending: "Väntar på föraren",
      due: "Att göra", completed: "Genomförd", paid: "Betald", recorded: "Bokförd", void: "Makulerad", confirmed: "Bekräftad", active: "Aktiv", fulfilled: "Använd",
      no_show: "Uteblev", ended: "Avslutad", pass: "Godkänd", fail: "Fel", not_applicable: "Ej aktuell", succeeded: "Genomförd", failed: "Misslyckad", breached: "Försenad",
    },
    dashboardMore: { energyToday: "Energi i dag", revenueToday: "Intäkter i dag", alerts: { high: "Öppna larm: hög", medium: "Öppna larm: medel", low: "Öppna larm: låg" }, allAlerts: "Alla larm" },
    alerts: {
      title: "Larm", status: "Status", severity: "Allvarlighet", activeOnly: "Öppna eller kvitterade", alert: "Larm", charger: "Laddare eller plats", opened: "Öppnat",
      occurrences: "Gånger", handledBy: "Hanterat av", actions: "Åtgärder", acknowledge: "Kvittera", resolve: "Åtgärda", automatically: "automatiskt",
      none: "Inga larm.", note: "Anteckning (valfri)", acknowledgeTitle: "Kvittera: {{title}}", resolveTitle: "Åtgärda: {{title}}",
      acknowledged: "Kvitterat: {{title}}", resolved: "Åtgärdat: {{title}}", ofCharger: "Laddarens larm", titleOf: "Larm för {{id}}",
    },
    workOrders: {
      title: "Arbetsordrar", status: "Status", unfinished: "Ej klara", new: "Ny arbetsorder", create: "Skapa", titleField: "Rubrik", charger: "Laddare",
      priority: "Prioritet", description: "Beskrivning", source: "Från", assignee: "Tekniker", created: "Skapad", closed: "Stängd", availability: "Uttagets tillgänglighet",
      none: "Inga arbetsordrar.", saved: "Arbetsordern sparad.", assign: "Tilldela", close: "Stäng som klar", notes: "Anteckningar", noNotes: "Inga anteckningar än.", addNote: "Lägg till en anteckning", saveNote: "Spara anteckning",
      sources: { operator: "operatör", inspection: "inspektion", alert: "larm" },
    },
    inspections: {
      title: "Inspektioner och underhållsplaner", tab: "Inspektioner", status: "Status", checklist: "Checklista", charger: "Laddare", due: "Senast", none: "Inga inspektioner.",
      start: "Starta en inspektion", startButton: "Starta", itemNote: "Anteckning", inoperativeOnFail: "Ett fel tar laddaren ur drift tills arbetsordern är klar.",
      note: "Övergripande anteckning", missing_one: "{{count}} punkt saknar resultat.", missing_other: "{{count}} punkter saknar resultat.", complete: "Slutför inspektionen",
      completed: "Inspektionen är slutförd.", workOrder: "Arbetsorder",
    },
    plans: {
      tab: "Underhållsplaner", name: "Namn", scope: "Laddare eller plats", interval: "Var", days_one: "{{count}} dag", days_other: "{{count}} dagar", nextDue: "Nästa gång",
      active: "Aktiv", activeFor: "{{name}} aktiv", none: "Inga underhållsplaner.", new: "Ny underhållsplan", bySite: "För en hel plats", site: "Plats",
      intervalDays: "Intervall (dagar)", create: "Skapa plan", created: "Planen skapad.",
    },
    support: {
      title: "Supportkö", search: "Sök i ärenden och meddelanden", status: "Status", active: "Öppna eller väntande", category: "Kategori", priority: "Prioritet",
      breachedOnly: "Bara försenade", unassignedOnly: "Bara otilldelade", none: "Inga ärenden.", subject: "Ämne", assignee: "Handläggare", created: "Öppnat", sla: "Senast",
      driver: "Förare", conversation: "Konversation", internal: "Intern anteckning", replyToDriver: "Svara föraren", internalNote: "Intern anteckning", messageKind: "Typ av meddelande",
      replyLabel: "Svar (föraren ser det)", noteLabel: "Intern anteckning (bara personal)", noteHint: "Visas aldrig för föraren.", sendReply: "Skicka svar", saveNote: "Spara anteckning",
      replySent: "Svaret skickat.", assignToMe: "Tilldela mig", me: "jag", noteSaved: "Den interna anteckningen sparad.", linkedSession: "Laddning", linkedInvoice: "Faktura", linkedBooking: "Bokning",
      categories: { charging_problem: "Laddningsproblem", payment_invoice: "Betalning eller faktura", booking: "Bokning", account: "Konto", station_safety: "Stationens säkerhet", other: "Annat" },
      moveTo: { open: "Öppna igen", pending: "Vänta på föraren", resolved: "Markera som löst", closed: "Stäng" },
    },
    tariffs: {
      title: "Taxor och abonnemang", tariffs: "Taxor", new: "Ny taxa", none: "Inga taxor.", name: "Namn", prices: "Priser (exkl. moms)", chargers: "Laddare",
      chargersHint: "Laddarnas id, kommaseparerade; tomt för alla laddare.", allChargers: "Alla laddare", validFrom: "Gäller från", validFromHint: "Tomt: från nu.", validTo: "Gäller till",
      currency: "Valuta", vat: "Moms (%)", grace: "Fria minuter innan parkeringstid debiteras", invalidPrice: "Ett pris som 3,60", save: "Spara taxan", saved: "Taxan {{name}} sparad.",
      end: "Avsluta nu", endConfirm: "Avsluta {{name}} nu? Priser ändras aldrig när de sparats; lägg till en ny taxa för nya priser.", exclVat: "exkl. {{percent}} % moms",
      components: { energy: "Per kWh", time: "Per timme laddning", parking: "Per timme parkerad (utan laddning)", flat: "Per laddning" },
      per: { ENERGY: "/ kWh", TIME: "/ h laddning", PARKING_TIME: "/ h parkerad", FLAT: "/ laddning" },
      lines: { ENERGY: "Energi", TIME: "Laddtid", PARKING_TIME: "Parkeringstid", FLAT: "Startavgift" },
      preview: "Prisexempel", sampleEnergy: "Energi (kWh)", sampleCharging: "Laddning (min)", sampleParking: "Parkerad efteråt (min)", noPrices: "Ange minst ett pris.",
      line: "Rad", quantity: "Mängd", amount: "Belopp", subtotal: "Delsumma", vatLine: "Moms {{percent}} %", total: "Totalt",
      previewNote: "Beräknat här med betaltjänstens regler (steg, fri tid, moms avrundad en gång); fakturan prissätts av tjänsten.",
      plans: "Abonnemang", newPlan: "Nytt abonnemang", noPlans: "Inga abonnemang.", planKind: "Typ", monthlyFee: "Månadsavgift (inkl. moms)", allowance: "kWh som ingår per månad",
      createPlan: "Skapa abonnemang", kinds: { unlimited: "Obegränsat", allowance: "Kvot" },
    },
    invoices: {
      title: "Fakturor", status: "Status", driver: "Förare", none: "Inga fakturor.", number: "Nummer", issued: "Utfärdad", charger: "Laddare", total: "Totalt", refunded: "Återbetalt",
      detail: "Faktura {{number}}", receipt: "Kvitto (PDF)", guest: "gäst", session: "Laddning", energy: "Energi", paid: "Betald", refunds: "Återbetalningar", noRefunds: "Inga återbetalningar.",
      refund: "Återbetala", refundAmount: "Belopp", refundAmountHint: "Tomt: allt som inte återbetalats ({{amount}}).", refundReason: "Anledning", refundDone: "Återbetalningen gjord.",
      refundConfirm: "Återbetala beloppet till förarens kort?",
    },
    bookings: {
      title: "Bokningar", site: "Plats", charger: "Laddare", day: "Dag", show: "Visa", noChargers: "Inga laddare hittades.", dayOf: "Reservationer för {{label}}",
      kinds: { booking: "Bokning", block: "Spärrad" }, cancelConfirm: "Avboka den här reservationen?", blockTitle: "Spärra ett uttag",
      blockIntro: "En spärr hindrar förare från att boka uttaget (underhåll, evenemang, en fordonsflotta). Befintliga bokningar i fönstret måste avbokas först.",
      connector: "Uttag", from: "Från", to: "Till", note: "Anteckning", block: "Spärra", blocked: "Uttaget spärrat.",
    },
    stats: {
      title: "Statistik", from: "Från", to: "Till", granularity: "Per", granularities: { hour: "timme", day: "dag", week: "vecka", month: "månad" },
      csvNetwork: "CSV: nätet", csvConnectors: "CSV: uttag", csvStations: "CSV: stationer", csvHeatMap: "CSV: värmekarta", sessions: "Laddningar", energy: "Energi",
      revenue: "Intäkter", drivers: "Aktiva förare (flest under en period)", chart: "Energi och intäkter per period", stations: "Stationer efter beläggning eller drifttid",
      orderBy: "Sortera efter", direction: "Bästa eller sämsta", utilisation: "Beläggning", uptime: "Drifttid", top: "Bästa", bottom: "Sämsta", noData: "Inga siffror för perioden.",
      charger: "Laddare", occupied: "Upptagen", charging: "Laddar", needsCapacity: "behöver mer kapacitet", heatMap: "Laddningar per veckodag och timme", weekday: "Dag",
      cell_one: "{{day}} {{hour}}:00: {{count}} laddning", cell_other: "{{day}} {{hour}}:00: {{count}} laddningar",
    },
  },
};

i18n.addResourceBundle("en", "translation", consoleEn, true, false);
i18n.addResourceBundle("sv", "translation", consoleSv, true, false);
