/** Compile-time checks (tsc --strict, with drive.mts): the SDK refuses what the server refuses. */
import { ApiError, createClient } from "../../clients/typescript/src/index.js";
import type { AccessRequestStatusEnum, Problem } from "../../clients/typescript/src/index.js";

const client = createClient({ baseUrl: "http://127.0.0.1:1", token: "t" });

export async function typeChecks(): Promise<void> {
  // @ts-expect-error - a transition takes its own body, not the record
  await client.operations.accessRequests.approve("id", { justification: "x" });
  // @ts-expect-error - renew needs expires_at
  await client.operations.accessRequests.renew("id");
  // @ts-expect-error - the product requires requester_id, access_type and justification
  await client.operations.accessRequests.create({ system_id: "github" });
  // @ts-expect-error - money is a number
  await client.operations.equipment.provision("id", { cost: "1299.50" });
  // @ts-expect-error - tags are strings, never null
  await client.helpdesk.tickets.update("id", { tags: null });
  // @ts-expect-error - page_size is a number
  await client.operations.travel.list({ page_size: "10" });
  const status: AccessRequestStatusEnum = (await client.operations.accessRequests.get("id")).status;
  const problem: Problem | undefined = new ApiError(new Response(null, { status: 409 }), undefined).problem;
  void status;
  void problem;
}
