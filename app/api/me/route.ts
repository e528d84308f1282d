import { apiCallerRefused, NO_STORE } from "@/lib/api-response";
import { verifyApiCaller } from "@/lib/dal";
import { db } from "@/lib/db";

/** GET /api/me, with the session cookie or `Authorization: Bearer <token from POST /api/token>`. */
export async function GET(): Promise<Response> {
  const caller = await verifyApiCaller();
  if (!caller.ok) return apiCallerRefused(caller);
  const { user } = caller;
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
