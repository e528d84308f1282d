import { headers } from "next/headers";

import { auth } from "../../../auth";

export async function GET(): Promise<Response> {
  const session = await auth.api.getSession({ headers: await headers() });
  if (!session) return Response.json({ error: "unauthorized" }, { status: 401 });
  const { id, email, name, image } = session.user;
  return Response.json({ id, email, name, image }, { headers: { "Cache-Control": "no-store" } });
}
