import { NO_STORE, unauthorizedJson } from "@/lib/api-response";
import { verifySession } from "@/lib/dal";
import { db } from "@/lib/db";

export async function GET(): Promise<Response> {
  const user = await verifySession();
  if (!user) return unauthorizedJson();
  const accounts = await db.account.findMany({
    where: { userId: user.id },
    select: { provider: true },
    orderBy: { createdAt: "asc" },
  });
  return Response.json(
    {
      id: user.id,
      email: user.email,
      name: user.name,
      image: user.image,
      providers: accounts.map((a) => a.provider),
    },
    { headers: NO_STORE },
  );
}
