/**
 * An integrator's program that walks every resource the router serves, as the test passes them
 * (SDK_RESOURCES: [{ sdk: "operations.accessRequests", ids: [...] }], read from apps/core/api/resources.py,
 * not a list written here): each list is read page by page following `next` (two rows a page) until
 * the seeded rows are seen, and each row is read by id. Prints { "<sdk>": { listed, read } } as JSON.
 */
import { createClient, paginate } from "../../clients/typescript/src/index.js";

type Row = { id: string };
type Readable = {
  list: (query?: { page_size?: number }) => Promise<{ results: Row[]; next?: string | null }>;
  get: (id: string) => Promise<Row>;
};

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const client = createClient({ baseUrl: env("SDK_BASE_URL"), token: env("SDK_ADMIN_TOKEN") });
const namespaces = client as unknown as Record<string, Record<string, Readable | undefined> | undefined>;
const resources = JSON.parse(env("SDK_RESOURCES")) as { sdk: string; ids: string[] }[];
const out: Record<string, { listed: string[]; read: string[]; pages: number }> = {};

for (const { sdk, ids } of resources) {
  const [domain, name] = sdk.split(".");
  const resource = namespaces[domain ?? ""]?.[name ?? ""];
  if (resource === undefined) throw new Error(`the SDK has no client.${sdk}`);
  const listed: string[] = [];
  let pages = 0;
  const counted: Readable["list"] = async (query) => {
    pages += 1;
    return resource.list(query);
  };
  for await (const row of paginate(counted, { page_size: 2 })) {
    if (ids.includes(row.id)) listed.push(row.id);
  }
  const read: string[] = [];
  for (const id of ids) read.push((await resource.get(id)).id);
  out[sdk] = { listed, read, pages };
}
console.log(JSON.stringify(out));
