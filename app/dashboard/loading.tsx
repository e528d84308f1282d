import { PageSkeleton } from "@/components/page-skeleton";
import { container } from "@/components/styles";

export default function DashboardLoading() {
  return (
    <div className={container}>
      <PageSkeleton />
    </div>
  );
}
