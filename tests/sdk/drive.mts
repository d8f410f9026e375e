/**
 * Drives every resource through the official SDK, written as the resource pages show it
 * (`client.<domain>.<resource>.<action>(…)`), against the live server the pytest test starts.
 * Compiled with `tsc --strict`; prints one JSON object of what it did, which the test checks
 * against the database. Any unexpected answer throws (exit code 1).
 */
import { ApiError, createClient, etagOf } from "../../clients/typescript/src/index.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const baseUrl = env("SDK_BASE_URL");
const client = createClient({ baseUrl, token: env("SDK_ADMIN_TOKEN") });
const asRequester = createClient({ baseUrl, token: env("SDK_REQUESTER_TOKEN") });
const asDelegate = createClient({ baseUrl, token: env("SDK_DELEGATE_TOKEN") });
const REQUESTER = env("SDK_REQUESTER_ID");
const DELEGATE = env("SDK_DELEGATE_ID");
const ADMIN = env("SDK_ADMIN_ID");
const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();
// What the resource pages' examples send besides the product's own fields; the server ignores it.
const stamps = {
  id: "rec_01HXEXAMPLE",
  tenant_id: "example tenant_id",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

const out: Record<string, unknown> = {};

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function refused(status: number, call: () => Promise<unknown>): Promise<ApiError> {
  try {
    await call();
  } catch (error) {
    check(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    check(error.status === status, `expected ${status}, got ${error.status}: ${error.message}`);
    check(error.problem !== undefined && error.problem.status === status, "problem+json body");
    return error;
  }
  throw new Error(`expected ${status}, the call succeeded`);
}

async function operations(): Promise<void> {
  // The requester files and edits their own requests; the admin decides them (segregation of duties).
  const mine = asRequester.operations;
  const ar = client.operations.accessRequests;
  const access = await mine.accessRequests.create({
    ...stamps, requester_id: REQUESTER, system_id: "github", access_type: "new", justification: "Ship the SDK",
  });
  check(access.id !== stamps.id && access.tenant_id !== stamps.tenant_id, "server-stamped fields are the server's");
  check(access.status === "pending", "initial status");
  const page = await ar.list({ status: "pending" });
  check(page.results.some((row) => row.id === access.id), "list shows the new record");
  const read = await ar.get(access.id);
  const etag = etagOf(read);
  check(etag !== undefined, "get returns an ETag");
  const updated = await mine.accessRequests.update(access.id, { justification: "Ship the SDK, reviewed" }, { ifMatch: etag });
  await refused(412, () => mine.accessRequests.update(access.id, { justification: "stale" }, { ifMatch: etag }));
  await ar.approve(access.id, { comment: "ok" }, { ifMatch: etagOf(updated) });
  const conflict = await refused(409, () => ar.approve(access.id, { comment: "again" }));
  check(conflict.problem?.allowed_transitions?.includes("provision"), "409 lists allowed_transitions");
  await ar.provision(access.id, { expires_at: inDays(30) });
  await ar.renew(access.id, { expires_at: inDays(60) });
  await ar.complete(access.id);
  const rejected = await mine.accessRequests.create({ ...stamps, requester_id: REQUESTER, system_id: "aws", access_type: "modify", justification: "x" });
  await ar.reject(rejected.id, { comment: "not needed" });
  const doomed = await ar.create({ ...stamps, requester_id: REQUESTER, system_id: "slack", access_type: "new", justification: "x" });
  await ar.delete(doomed.id, { ifMatch: etagOf(doomed) });
  await refused(404, () => ar.get(doomed.id));

  const hr = client.operations.hrRequests;
  const letter = await mine.hrRequests.create({ ...stamps, requester_id: REQUESTER, type: "employment_letter", description: "For my landlord" });
  await mine.hrRequests.update(letter.id, { description: "For my landlord, in English" }, { ifMatch: etagOf(letter) });
  await hr.start(letter.id);
  await hr.fulfill(letter.id, { deliverable_url: "https://files.acme.invalid/letter.pdf" });
  const refusedLetter = await mine.hrRequests.create({ ...stamps, requester_id: REQUESTER, type: "certificate", description: "x" });
  await hr.reject(refusedLetter.id, { reason: "Not an HR document" });
  const hrDoomed = await hr.create({ ...stamps, requester_id: REQUESTER, type: "other", description: "x" });
  await hr.delete(hrDoomed.id);
  check((await hr.list()).results.length >= 2, "hr list");

  const pending = client.operations.pending;
  const item = await pending.create({ ...stamps, type: "review", source_id: "src_1", title: "Review the SDK" });
  await pending.update(item.id, { priority: 2 }, { ifMatch: etagOf(await pending.get(item.id)) });
  await pending.start(item.id);
  await pending.block(item.id, { comment: "waiting" });
  await pending.complete(item.id);
  const pendingDoomed = await pending.create({ ...stamps, type: "task", source_id: "src_2" });
  await pending.delete(pendingDoomed.id);
  check((await pending.list()).results.some((row) => row.id === item.id), "pending list");

  const eq = client.operations.equipment;
  const laptop = await mine.equipment.create({ ...stamps, requester_id: REQUESTER, equipment_type: "laptop", specification: "14 inch" });
  await mine.equipment.update(laptop.id, { specification: "14 inch, 32 GB" }, { ifMatch: etagOf(laptop) });
  await eq.approve(laptop.id);
  const ordered = await eq.provision(laptop.id, { cost: 1299.5 });
  check(ordered.cost === 1299.5, `cost is a number: ${JSON.stringify(ordered.cost)}`);
  await eq.ship(laptop.id);
  await eq.deliver(laptop.id);
  await eq.return(laptop.id, { comment: "leaving" });
  const eqDoomed = await eq.create({ ...stamps, requester_id: REQUESTER, equipment_type: "monitor", specification: "27 inch" });
  await eq.delete(eqDoomed.id);
  check((await eq.list()).results.length >= 1, "equipment list");

  const travel = client.operations.travel;
  const trip = await mine.travel.create({
    ...stamps, requester_id: REQUESTER, purpose: "Conference", destination: "Berlin",
    departure_at: inDays(10), return_at: inDays(12), estimated_cost: 900,
  });
  await mine.travel.update(trip.id, { destination: "Berlin (TXL)" }, { ifMatch: etagOf(trip) });
  await travel.approve(trip.id);
  await travel.book(trip.id, { booking_reference: "LH-4711", booked_cost: 780 });
  const done = await travel.complete(trip.id, { actual_cost: 812.25 });
  check(done.actual_cost === 812.25, "actual_cost is a number");
  const cancelled = await travel.create({
    ...stamps, requester_id: REQUESTER, purpose: "Offsite", destination: "Lisbon", departure_at: inDays(20), return_at: inDays(22),
  });
  await travel.cancel(cancelled.id, { comment: "moved online" });
  const travelDoomed = await travel.create({
    ...stamps, requester_id: REQUESTER, purpose: "x", destination: "x", departure_at: inDays(30), return_at: inDays(31),
  });
  await travel.delete(travelDoomed.id);
  check((await travel.list()).results.length >= 2, "travel list");

  out.operations = {
    access: access.id, accessRejected: rejected.id, accessDeleted: doomed.id,
    letter: letter.id, letterRejected: refusedLetter.id, letterDeleted: hrDoomed.id,
    pending: item.id, pendingDeleted: pendingDoomed.id,
    laptop: laptop.id, laptopDeleted: eqDoomed.id,
    trip: trip.id, tripCancelled: cancelled.id, tripDeleted: travelDoomed.id,
  };
}

async function approvals(): Promise<void> {
  const requests = asRequester.approvals.requests;
  const open = async (title: string) => {
    const created = await requests.create({ ...stamps, title, entity_type: "PurchaseOrder", approver_ids: [ADMIN] });
    return requests.submit(created.id);
  };
  const approved = await open("Buy a server");
  check(approved.status === "pending", "submitted");
  const steps = client.approvals.steps;
  const mine = await steps.list({ approval_request_id: approved.id });
  const first = mine.results[0];
  check(first !== undefined, "the step is listed");
  const step = await steps.get(first.id);
  await steps.approve(step.id, { comment: "ok" }, { ifMatch: etagOf(step) });

  const delegated = await open("Buy a rack");
  const second = (await steps.list({ approval_request_id: delegated.id })).results[0];
  check(second !== undefined, "the second step");
  await steps.delegate(second.id, { delegated_to_id: DELEGATE, comment: "you know racks" });
  await asDelegate.approvals.steps.reject(second.id, { comment: "too expensive" });

  const draft = await requests.create({ ...stamps, title: "Never mind", approver_ids: [ADMIN] });
  await requests.cancel(draft.id, { comment: "changed my mind" });
  check((await requests.list()).results.length >= 3, "approval request list");
  out.approvals = { approved: approved.id, approvedStep: step.id, rejected: delegated.id, rejectedStep: second.id, cancelled: draft.id };
}

async function helpdesk(): Promise<void> {
  const sla = client.helpdesk.slaPolicies;
  const policy = await sla.create({
    ...stamps, name: "Urgent incidents", priority: "urgent", first_response_minutes: 30, resolution_minutes: 240,
    applies_to: ["incident"],
  });
  const slaUpdated = await sla.update(policy.id, { resolution_minutes: 180 }, { ifMatch: etagOf(policy) });
  check(slaUpdated.resolution_minutes === 180, "sla update");
  check((await sla.list()).results.some((row) => row.id === policy.id), "sla list");
  await sla.get(policy.id);

  const tickets = client.helpdesk.tickets;
  const ticket = await tickets.create({ ...stamps, title: "VPN drops every hour", priority: "high", tags: ["vpn"] });
  await tickets.update(ticket.id, { description: "Since Monday" }, { ifMatch: etagOf(await tickets.get(ticket.id)) });
  const comment = await tickets.addComment(ticket.id, { body: "Looking into it", tags: ["triage"], source: "sdk" });
  const comments = await tickets.listComments(ticket.id);
  check(comments.results.some((row) => row.id === comment.id) && "next" in comments, "comments are a cursor page");
  await tickets.open(ticket.id);
  await tickets.hold(ticket.id, { comment: "waiting for logs" });
  await tickets.open(ticket.id);
  await tickets.resolve(ticket.id, { comment: "new VPN profile" });
  await tickets.reopen(ticket.id);
  await tickets.close(ticket.id);
  check((await tickets.list({ status: "closed" })).results.some((row) => row.id === ticket.id), "ticket list");
  out.helpdesk = { slaPolicy: policy.id, ticket: ticket.id, comment: comment.id };
}

async function integration(): Promise<void> {
  const apps = client.integration.applications;
  const app = await apps.create({ ...stamps, app_id: "example app_id", created_by: "rec_01HXEXAMPLE", display_name: "SDK test", slug: "sdk-test" });
  await apps.update(app.id, { description: "Created by the SDK test" }, { ifMatch: etagOf(app) });
  check((await apps.list()).results.some((row) => row.id === app.id), "application list");
  await apps.get(app.id);

  const connectors = client.integration.connectors;
  const connector = await connectors.create({
    ...stamps, name: "HR feed", type: "scim", provider: "generic_scim", config: { region: "eu" }, event_types: ["operations.*"],
    application_id: app.id,
  });
  await connectors.update(connector.id, { config: { region: "us" } }, { ifMatch: etagOf(connector) });
  check((await connectors.list()).results.length >= 1, "connector list");
  await connectors.delete(connector.id);

  const keys = client.integration.apiKeys;
  const key = await keys.create({ ...stamps, name: "CI", scopes: ["operations:read"], application_id: app.id });
  check(typeof key.key === "string" && key.key.length > 20, "the raw key, once");
  const listed = await keys.get(key.id);
  check(listed.key === null && listed.key_hash === null, "never again");
  const rotated = await keys.rotate(key.id, { grace_seconds: 60 });
  check(typeof rotated.key === "string" && rotated.id !== key.id, "rotation issues a new key");
  await keys.revoke(rotated.id, { comment: "done" });
  check((await keys.list()).results.length >= 2, "api key list");

  const hooks = client.integration.webhooks;
  const hook = await hooks.create({
    ...stamps, name: "Audit sink", url: env("SDK_HOOK_URL"), enabled: false,
    event_types: ["integration.webhook.replayed"], headers: { "X-Team": "sdk" }, retry_policy: { maxAttempts: 3 },
  });
  check(typeof hook.secret === "string", "the signing secret, once");
  await hooks.update(hook.id, { headers: { "X-Team": "platform" } }, { ifMatch: etagOf(hook) });
  const deliveries = await hooks.listDeliveries(hook.id);
  check(Array.isArray(deliveries.results), "deliveries are a cursor page");
  check((await hooks.list()).results.length >= 1, "webhook list");
  await hooks.delete(hook.id);
  out.integration = { application: app.id, connector: connector.id, key: key.id, rotated: rotated.id, webhook: hook.id };
}

async function policies(): Promise<void> {
  const p = client.policies.policies;
  const policy = await p.create({ ...stamps, name: "Remote work", body: "Work from anywhere.", owner_id: ADMIN });
  await p.update(policy.id, { body: "Work from anywhere in the EU." }, { ifMatch: etagOf(policy) });
  await p.submit(policy.id);
  const published = await p.complete(policy.id, { next_review_at: inDays(365) });
  check(published.status === "published", "published");
  const ack = await p.acknowledge(policy.id);
  check(ack.policy_id === policy.id, "acknowledged");
  const versions = await p.listVersions(policy.id);
  check(versions.results.length >= 1, "versions are a cursor page");
  const acks = await p.listAcknowledgements(policy.id, { page_size: 10 });
  check(acks.results.some((row) => row.person_id === ADMIN), "acknowledgements are a cursor page");
  await p.retire(policy.id, { comment: "superseded" });
  check((await p.list()).results.some((row) => row.id === policy.id), "policy list");
  await p.get(policy.id);
  out.policies = { policy: policy.id };
}

try {
  await operations();
  await approvals();
  await helpdesk();
  await integration();
  await policies();
  console.log(JSON.stringify(out));
} catch (error) {
  const detail = error instanceof ApiError ? `${error.response.url}: ${JSON.stringify(error.problem)}` : "";
  console.error(error instanceof Error ? error.stack : error, detail);
  process.exit(1);
}
