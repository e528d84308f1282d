import { PageSkeleton } from "@/components/page-skeleton";

export default function DashboardTwinLoading() {
  return (
    <div className="container">
      <PageSkeleton />
    </div>
  );
}
