/**
 * The Back office API's official TypeScript SDK.
 *
 *   const client = createClient({ baseUrl, token });
 *   const page = await client.operations.accessRequests.list({ status: "pending" });
 *   const created = await client.operations.accessRequests.create({ requester_id, system_id, access_type, justification });
 *   await client.operations.accessRequests.approve(created.id, { comment: "ok" }, { ifMatch: etagOf(created) });
 *
 * Everything below `src/generated/` is generated from openapi.json by @hey-api/openapi-ts; this file
 * only turns its `({ path, body, query, headers })` calls into positional ones and errors into throws.
 */
import { createClient as createFetchClient, createConfig } from "./generated/client/index.js";
import { GeneratedSdk } from "./generated/sdk.gen.js";
import type { Problem } from "./generated/types.gen.js";

export type * from "./generated/types.gen.js";

export interface ClientOptions {
  /** e.g. `https://backoffice.example.com` (the API lives under `/api/v1/`). */
  baseUrl: string;
  /** A JWT: sent as `Authorization: Bearer …`. */
  token?: string;
  /** An integration API key: sent as `X-API-Key`. */
  apiKey?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** Per call: `ifMatch` refuses a write if the record changed since you read it (412);
 * `idempotencyKey` makes a POST or PATCH safe to retry (the same key and body return the first answer). */
export interface CallOptions {
  ifMatch?: string;
  idempotencyKey?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A non-2xx answer; `problem` is the RFC 9457 body the server sent (`errors`, `allowed_transitions` …). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;
  readonly response: Response;

  constructor(response: Response, problem: Problem | undefined) {
    super(problem ? `${response.status} ${problem.title}: ${problem.detail}` : `${response.status} ${response.statusText}`);
    this.name = "ApiError";
    this.status = response.status;
    this.problem = problem;
    this.response = response;
  }
}

const etags = new WeakMap<object, string>();

/** The `ETag` of the response a record came from: pass it as `ifMatch` to the next write. */
export function etagOf(record: object): string | undefined {
  return etags.get(record);
}

// -- types: a generated method `(options: { path?, body?, query?, headers? }) => result` becomes
/** Every record of a list, page after page, following each page's `next` link (its `cursor`). */
export async function* paginate<Q extends object, T>(
  list: (query?: Q) => Promise<{ results: T[]; next?: string | null }>,
  query?: Q,
): AsyncGenerator<T> {
  let cursor: string | null = null;
  do {
    const page = await list((cursor ? { ...query, cursor } : query) as Q);
    yield* page.results;
    cursor = page.next ? new URL(page.next, "http://base.invalid").searchParams.get("cursor") : null;
  } while (cursor);
}

// `(id?, body | query?, CallOptions?) => Promise<data>`, by the shape of its options --
type AnyMethod = (options: never) => Promise<unknown>;
type OptionsOf<M> = M extends (options: infer O) => unknown ? NonNullable<O> : never;
type DataOf<M> = M extends (...args: never[]) => Promise<infer R>
  ? R extends { data: infer D } ? Exclude<D, undefined> : never
  : never;
type BodyOf<M> = OptionsOf<M> extends { body?: infer B } ? Exclude<B, undefined> : never;
type QueryOf<M> = OptionsOf<M> extends { query?: infer Q } ? Exclude<Q, undefined> : never;
type TakesId<M> = OptionsOf<M> extends { path: { id: string } } ? true : false;

type Wrapped<K, M> = K extends `list${string}`
  ? TakesId<M> extends true
    ? (id: string, query?: QueryOf<M>, options?: CallOptions) => Promise<DataOf<M>>
    : (query?: QueryOf<M>, options?: CallOptions) => Promise<DataOf<M>>
  : K extends "create"
    ? (body: BodyOf<M>, options?: CallOptions) => Promise<DataOf<M>>
    : K extends "get" | "delete"
      ? (id: string, options?: CallOptions) => Promise<DataOf<M>>
      : {} extends BodyOf<M>
        ? (id: string, body?: BodyOf<M>, options?: CallOptions) => Promise<DataOf<M>>
        : (id: string, body: BodyOf<M>, options?: CallOptions) => Promise<DataOf<M>>;

type Resource<C> = { [K in keyof C as C[K] extends AnyMethod ? K : never]: Wrapped<K, C[K]> };
type Domain<D> = { [R in keyof D]: Resource<D[R]> };
export type BackOfficeClient = { [D in keyof GeneratedSdk]: Domain<GeneratedSdk[D]> };

// -- runtime: the same rule by method name (list*, create, get/delete, everything else) --
type Call = (options: Record<string, unknown>) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

function positional(name: string, args: unknown[]) {
  if (name.startsWith("list")) {
    return typeof args[0] === "string"
      ? { id: args[0], query: args[1], options: args[2] as CallOptions | undefined }
      : { query: args[0], options: args[1] as CallOptions | undefined };
  }
  if (name === "create") return { body: args[0], options: args[1] as CallOptions | undefined };
  if (name === "get" || name === "delete") return { id: args[0] as string, options: args[1] as CallOptions | undefined };
  return { id: args[0] as string, body: args[1], options: args[2] as CallOptions | undefined };
}

function wrap(target: object, name: string, method: Call) {
  return async (...args: unknown[]) => {
    const { id, body, query, options } = positional(name, args) as {
      id?: string; body?: unknown; query?: unknown; options?: CallOptions;
    };
    const headers: Record<string, string> = { ...options?.headers };
    if (options?.ifMatch) headers["If-Match"] = options.ifMatch;
    if (options?.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
    const result = await method.call(target, {
      ...(id === undefined ? {} : { path: { id } }),
      ...(body === undefined ? {} : { body }),
      ...(query === undefined ? {} : { query }),
      headers,
      signal: options?.signal,
    });
    if (!result.response.ok) {
      const problem = result.error && typeof result.error === "object" ? (result.error as Problem) : undefined;
      throw new ApiError(result.response, problem);
    }
    const etag = result.response.headers.get("ETag");
    if (etag && result.data && typeof result.data === "object") etags.set(result.data, etag);
    return result.response.status === 204 ? undefined : result.data;
  };
}

function getters(instance: object): string[] {
  const descriptors = Object.getOwnPropertyDescriptors(Object.getPrototypeOf(instance));
  return Object.keys(descriptors).filter((key) => descriptors[key]?.get !== undefined);
}

function methods(instance: object): string[] {
  const descriptors = Object.getOwnPropertyDescriptors(Object.getPrototypeOf(instance));
  return Object.keys(descriptors).filter((key) => key !== "constructor" && typeof descriptors[key]?.value === "function");
}

export function createClient(options: ClientOptions): BackOfficeClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers["Authorization"] = `Bearer ${options.token}`;
  if (options.apiKey) headers["X-API-Key"] = options.apiKey;
  const client = createFetchClient(createConfig({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  }));
  const sdk = new GeneratedSdk({ client }) as unknown as Record<string, Record<string, Record<string, Call>>>;
  const tree: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const domainName of getters(sdk)) {
    const domain = sdk[domainName]!;
    tree[domainName] = {};
    for (const resourceName of getters(domain)) {
      const resource = domain[resourceName]!;
      const wrapped: Record<string, unknown> = {};
      for (const name of methods(resource)) wrapped[name] = wrap(resource, name, resource[name]!);
      tree[domainName][resourceName] = wrapped;
    }
  }
  return tree as unknown as BackOfficeClient;
}
