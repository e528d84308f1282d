import { apiCallerRefused, NO_STORE } from "@/lib/api-response";
import { verifyApiCaller } from "@/lib/dal";

/** GET /api/me, with the session cookie or `Authorization: Bearer <token from POST /api/token>`. */
export async function GET(): Promise<Response> {
  const caller = await verifyApiCaller();
  if (!caller.ok) return apiCallerRefused(caller);
  const { user } = caller;
  return Response.json(
    {
      id: user.id,
      email: user.email,
      name: user.name,
      image: user.image,
      providers: user.linkedProviders,
    },
    { headers: NO_STORE },
  );
}
