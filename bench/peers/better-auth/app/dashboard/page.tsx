import { headers } from "next/headers";
import { redirect } from "next/navigation";

import { auth } from "../../auth";
import { itemCount, SignedInPage, type PageSearchParams } from "../signed-in-page";

// Better Auth's docs: the proxy only looks for the cookie; the page asks for the session.
export default async function Dashboard({ searchParams }: { searchParams: PageSearchParams }) {
  const session = await auth.api.getSession({ headers: await headers() });
  if (!session) redirect("/login");
  return <SignedInPage user={session.user} items={await itemCount(searchParams)} />;
}
