import { redirect } from "next/navigation";

import { auth } from "../../auth";
import { itemCount, SignedInPage, type PageSearchParams } from "../signed-in-page";

// The page checks the session itself, as Auth.js's docs advise (the proxy is an optimistic gate).
export default async function Dashboard({ searchParams }: { searchParams: PageSearchParams }) {
  const session = await auth();
  if (!session?.user) redirect("/login");
  return <SignedInPage user={session.user} items={await itemCount(searchParams)} />;
}
