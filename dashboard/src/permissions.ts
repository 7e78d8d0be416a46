// What each role may do, as the dashboard shows it. The server decides; this
// only hides buttons a role cannot use (a 403 is still shown if it happens).
export interface Can {
  requestReplay: boolean;
  approveReplay: boolean;
  resolveException: boolean;
  stewardCustomers: boolean;
}

export function permissionsFor(role: string): Can {
  const admin = role === "admin";
  const finance = role === "finance";
  return {
    requestReplay: admin || finance,
    approveReplay: admin || finance,
    resolveException: admin || finance,
    stewardCustomers: admin || role === "steward",
  };
}
