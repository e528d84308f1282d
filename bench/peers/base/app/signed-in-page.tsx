// What every peer's protected page renders for the signed-in person. `?items=N` adds N list rows:
// the bench sets N so that the peer's page is as large as the app's /dashboard, so the two pages
// compared differ in what they check, not in how much they render.
export type PageSearchParams = Promise<Record<string, string | string[] | undefined>>;

const MAX_ITEMS = 2_000;

export async function itemCount(searchParams: PageSearchParams): Promise<number> {
  const raw = (await searchParams).items;
  const count = Number(typeof raw === "string" ? raw : 0);
  return Number.isInteger(count) && count > 0 ? Math.min(count, MAX_ITEMS) : 0;
}

export function SignedInPage({ user, items }: { user: { name?: string | null; email?: string | null }; items: number }) {
  return (
    <main>
      <header>
        <h1>Dashboard</h1>
        <p>
          Signed in as <strong>{user.name}</strong> ({user.email})
        </p>
      </header>
      <ul>
        {Array.from({ length: items }, (_, i) => (
          <li key={i}>Row {i + 1}: an entry of the signed-in person&apos;s dashboard, rendered on the server.</li>
        ))}
      </ul>
    </main>
  );
}
