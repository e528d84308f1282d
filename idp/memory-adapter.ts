/**
 * In-memory storage for oidc-provider, one store per Dev IdP instance.
 *
 * oidc-provider's built-in memory adapter keeps a module-level store (shared by every
 * Provider in the process, capped at 1000 entries), which would mix state between IdPs
 * started by parallel tests. This one is scoped to a single instance and can list grants
 * by account, which the test API needs.
 */
import type { Adapter, AdapterPayload } from "oidc-provider";

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds, or undefined for no expiry. */
  expiresAt: number | undefined;
}

/** Models whose entries belong to a grant (see oidc-provider's memory adapter). */
const GRANTABLE = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
  "PreAuthorizedCode",
]);

export class MemoryStore {
  readonly #entries = new Map<string, Entry>();
  /** grantId -> keys of tokens issued under that grant */
  readonly #grantMembers = new Map<string, Set<string>>();
  /** Session uid -> Session id */
  readonly #sessionUids = new Map<string, string>();
  /** user code -> id */
  readonly #userCodes = new Map<string, string>();
  #writes = 0;

  get(key: string): AdapterPayload | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    const key = `${model}:${id}`;
    if (this.#entries.has(key)) this.delete(key);
    const expiresAt = typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 : undefined;
    this.#entries.set(key, { payload, expiresAt });
    if (GRANTABLE.has(model) && payload.grantId) {
      let members = this.#grantMembers.get(payload.grantId);
      if (!members) {
        members = new Set();
        this.#grantMembers.set(payload.grantId, members);
      }
      members.add(key);
    }
    if (model === "Session" && payload.uid) this.#sessionUids.set(payload.uid, id);
    if (payload.userCode) this.#userCodes.set(payload.userCode, id);
    if (++this.#writes % 500 === 0) this.sweep();
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    this.#entries.delete(key);
    if (!entry) return;
    const { payload } = entry;
    const id = key.slice(key.indexOf(":") + 1);
    if (payload.grantId) {
      const members = this.#grantMembers.get(payload.grantId);
      members?.delete(key);
      if (members?.size === 0) this.#grantMembers.delete(payload.grantId);
    }
    if (payload.uid && this.#sessionUids.get(payload.uid) === id) this.#sessionUids.delete(payload.uid);
    if (payload.userCode && this.#userCodes.get(payload.userCode) === id) this.#userCodes.delete(payload.userCode);
  }

  revokeByGrantId(grantId: string): void {
    const members = this.#grantMembers.get(grantId);
    if (!members) return;
    for (const key of [...members]) this.delete(key);
    this.#grantMembers.delete(grantId);
  }

  idForSessionUid(uid: string): string | undefined {
    return this.#sessionUids.get(uid);
  }

  idForUserCode(userCode: string): string | undefined {
    return this.#userCodes.get(userCode);
  }

  /** Ids of all live Grant entries whose accountId is `accountId`. */
  grantIdsForAccount(accountId: string): string[] {
    const ids: string[] = [];
    for (const key of [...this.#entries.keys()]) {
      if (!key.startsWith("Grant:")) continue;
      const payload = this.get(key);
      if (payload?.accountId === accountId) ids.push(key.slice("Grant:".length));
    }
    return ids;
  }

  /** Drops expired entries so a long-running dev process does not grow forever. */
  sweep(): void {
    const now = Date.now();
    for (const [key, entry] of [...this.#entries]) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.delete(key);
    }
  }
}

export class MemoryAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: MemoryStore,
  ) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    this.store.set(this.model, id, payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.store.get(this.key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.store.idForSessionUid(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = this.store.idForUserCode(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const payload = this.store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.store.revokeByGrantId(grantId);
  }
}

/** An oidc-provider `adapter` factory bound to `store`. */
export function memoryAdapterFactory(store: MemoryStore): (model: string) => Adapter {
  return (model) => new MemoryAdapter(model, store);
}
