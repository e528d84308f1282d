import { protectedSegment } from "@/components/protected-segment";

export default protectedSegment("/settings/accounts");
