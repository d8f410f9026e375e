/** The README's integrator example (clients/typescript/README.md), compiled against the packed SDK. */
import { ApiError, createClient, etagOf, paginate } from "@backoffice/sdk";
import type { TicketRequest } from "@backoffice/sdk";

export async function example(baseUrl: string, token: string): Promise<void> {
  const client = createClient({ baseUrl, token }); // or { apiKey: "sk-…" } (sent as X-API-Key)

  // Creates take typed bodies; an Idempotency-Key makes a retry after a time-out safe.
  const body: TicketRequest = { title: "Printer on 3rd floor is jammed", priority: "high" };
  const ticket = await client.helpdesk.tickets.create(body, { idempotencyKey: crypto.randomUUID() });
  await client.operations.accessRequests.create({
    requester_id: "per_ann", system_id: "github", access_type: "new", justification: "Release work",
  });
  await client.operations.travel.create({
    destination: "Berlin", purpose: "Customer visit",
    departure_at: "2027-01-10T08:00:00Z", return_at: "2027-01-12T18:00:00Z",
  });

  // Every page, following `next`.
  for await (const open of paginate(client.helpdesk.tickets.list, { status: "open" })) {
    console.log(open.number, open.title);
  }

  // Writes refuse a stale copy with If-Match (412); a refused transition is a 409 problem.
  await client.helpdesk.tickets.update(ticket.id, { priority: "urgent" }, { ifMatch: etagOf(ticket) });
  try {
    await client.helpdesk.tickets.close(ticket.id);
  } catch (error) {
    if (error instanceof ApiError) console.log(error.status, error.problem?.request_id, error.problem?.allowed_transitions);
  }
}
