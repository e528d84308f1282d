import { PageSkeleton } from "@/components/page-skeleton";

export default function DashboardLoading() {
  return (
    <div className="container">
      <PageSkeleton />
    </div>
  );
}
