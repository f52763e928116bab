/**
 * What each staff role may do in the console's areas, from the services' role matrices
 * (operations, support, payment, booking, analytics READMEs). The API decides; this hides
 * menus and guards routes so a role never lands on a page it cannot use.
 */
type Role = "driver" | "operator" | "support" | "admin";

export interface ConsoleAccess {
  /** GET /v1/alerts: support, operators, admins. */
  readAlerts: boolean;
  /** Acknowledge and resolve alerts: operators and admins. */
  handleAlerts: boolean;
  /** Maintenance plans, checklist templates, inspections, work orders: operators and admins. */
  maintenance: boolean;
  /** Stations' security equipment (list, add, change, remove): operators and admins. */
  securityEquipment: boolean;
  /** The support queue: support, operators, admins. */
  supportQueue: boolean;
  /** Read tariffs and plans: staff. */
  readPrices: boolean;
  /** Create and end tariffs, create and (de)activate plans: operators and admins. */
  editPrices: boolean;
  /** Read every invoice, refund: support, operators, admins. */
  invoices: boolean;
  refund: boolean;
  /** Read every reservation: staff; block connectors: operators and admins. */
  readBookings: boolean;
  blockConnectors: boolean;
  /** Network statistics (business figures): operators and admins. */
  networkStats: boolean;
}

function has(roles: readonly string[], wanted: readonly Role[]): boolean {
  return roles.some((role) => (wanted as readonly string[]).includes(role));
}

export function consoleAccess(roles: readonly string[]): ConsoleAccess {
  const staff = has(roles, ["operator", "support", "admin"]);
  const runsNetwork = has(roles, ["operator", "admin"]);
  return {
    readAlerts: staff,
    handleAlerts: runsNetwork,
    maintenance: runsNetwork,
    securityEquipment: runsNetwork,
    supportQueue: staff,
    readPrices: staff,
    editPrices: runsNetwork,
    invoices: staff,
    refund: staff,
    readBookings: staff,
    blockConnectors: runsNetwork,
    networkStats: runsNetwork,
  };
}
