/**
 * What each role may do in the app. The API decides (every service checks the token's roles);
 * this only hides what a user cannot do, following the role matrix of DESIGN.md and the
 * services' READMEs: support reads and sends a few safe commands, operators run the network,
 * admins also change roles.
 */
export type Role = "driver" | "operator" | "support" | "admin";

const STAFF: readonly Role[] = ["operator", "support", "admin"];

// Commands that read or re-send state and never interrupt a charge.
export const SAFE_COMMANDS = new Set(["TriggerMessage", "GetConfiguration", "GetVariables", "GetBaseReport", "GetLocalListVersion", "GetCompositeSchedule"]);

export interface Permissions {
  console: boolean;
  driverApp: boolean;
  provision: boolean;
  approveAndRetire: boolean;
  readFrames: boolean;
  blockTokens: boolean;
  disableUsers: boolean;
  editRoles: boolean;
  sendCommand: (action: string) => boolean;
}

function any(roles: readonly string[], wanted: readonly Role[]): boolean {
  return roles.some((role) => (wanted as readonly string[]).includes(role));
}

export function permissionsFor(roles: readonly string[]): Permissions {
  const runsNetwork = any(roles, ["operator", "admin"]);
  const staff = any(roles, STAFF);
  return {
    console: staff,
    driverApp: roles.includes("driver"),
    provision: runsNetwork,
    approveAndRetire: runsNetwork,
    readFrames: staff,
    blockTokens: runsNetwork,
    disableUsers: runsNetwork,
    editRoles: roles.includes("admin"),
    sendCommand: (action) => runsNetwork || (staff && SAFE_COMMANDS.has(action)),
  };
}

/** Where a user lands after logging in. */
export function homeFor(roles: readonly string[]): string {
  return permissionsFor(roles).console ? "/console" : "/app";
}
