import { NextResponse } from "next/server";

// The bench's "empty-proxy" variant, copied over proxy.ts in its snapshot: Next.js runs it on the
// same paths as the app's proxy, and it decides nothing. What remains is the framework's own cost
// of running a proxy.
export default function proxy() {
  return NextResponse.next();
}

// Next.js reads the matcher from proxy.ts's text, so it is repeated here; the bench refuses to
// build this variant when it is no longer proxy.ts's (bench/lib/variants.ts).
export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/).*)"],
};
