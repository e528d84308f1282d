import type { ReactNode } from "react";

// /dashboard's layout is components/protected-segment.tsx: the session check above loading.tsx's
// Suspense boundary. The twin keeps the segment's shape without the check.
export default async function DashboardTwinLayout({ children }: { children: ReactNode }) {
  return children;
}
