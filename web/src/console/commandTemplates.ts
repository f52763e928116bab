/** The commands the console offers per OCPP version, each with an example payload. */
export type Templates = Record<string, Record<string, unknown>>;

const soon = () => new Date(Date.now() + 60_000).toISOString();

export function commandTemplates(ocppVersion: string): Templates {
  if (ocppVersion.startsWith("2")) {
    return {
      TriggerMessage: { requestedMessage: "StatusNotification", evse: { id: 1, connectorId: 1 } },
      Reset: { type: "OnIdle" },
      UnlockConnector: { evseId: 1, connectorId: 1 },
      ChangeAvailability: { operationalStatus: "Operative" },
      GetVariables: { getVariableData: [{ component: { name: "OCPPCommCtrlr" }, variable: { name: "HeartbeatInterval" } }] },
      SetVariables: { setVariableData: [{ component: { name: "OCPPCommCtrlr" }, variable: { name: "HeartbeatInterval" }, attributeValue: "60" }] },
      GetBaseReport: { requestId: 1, reportBase: "ConfigurationInventory" },
      UpdateFirmware: { requestId: 1, firmware: { location: "https://firmware.example/charger.bin", retrieveDateTime: soon() } },
    };
  }
  return {
    TriggerMessage: { requestedMessage: "StatusNotification", connectorId: 1 },
    Reset: { type: "Soft" },
    UnlockConnector: { connectorId: 1 },
    ChangeAvailability: { connectorId: 0, type: "Operative" },
    GetConfiguration: { key: ["HeartbeatInterval"] },
    ChangeConfiguration: { key: "HeartbeatInterval", value: "60" },
    ClearCache: {},
    UpdateFirmware: { location: "https://firmware.example/charger.bin", retrieveDate: soon() },
  };
}
