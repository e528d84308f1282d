import { auth } from "../../../auth";

export async function GET(): Promise<Response> {
  const session = await auth();
  if (!session?.user) return Response.json({ error: "unauthorized" }, { status: 401 });
  const { id, email, name, image } = session.user;
  return Response.json({ id, email, name, image }, { headers: { "Cache-Control": "no-store" } });
}
