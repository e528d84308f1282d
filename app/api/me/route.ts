import { apiCallerRefused, NO_STORE } from "@/lib/http/responses";
import { apiRoute } from "@/lib/http/api-route";
import { verifyApiCaller } from "@/lib/dal";

/** GET /api/me, with the session cookie or `Authorization: Bearer <token from POST /api/token>`. */
export const GET = apiRoute(async () => {
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
});
