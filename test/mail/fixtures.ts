import type { InviteMessage } from "../../controller/model/index.js";

export const TOKEN = "tok_7b0c2f9d1e8a4c3b";

export function invite(extra: Partial<InviteMessage> = {}): InviteMessage {
  return {
    id: "20250301T100000000Z-0a1b2c3d",
    org: "acme",
    orgDisplayName: "Acme Inc.",
    email: "bob@acme.com",
    role: "admin",
    acceptUrl: `https://portal.example.com/accept?token=${TOKEN}`,
    expiresAt: "2025-03-08T10:00:00.000Z",
    ...extra,
  };
}
