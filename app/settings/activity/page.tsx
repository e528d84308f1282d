import type { Metadata } from "next";

import { UtcTime } from "@/components/utc-time";
import { card, hint, stack } from "@/components/styles";
import { requireUser } from "@/lib/dal";
import { db, getEnv } from "@/lib/services";
import { providerName } from "@/lib/providers/registry";
import { ACTIVITY_PAGE_SIZE, describeSignInResult, listSignInActivity } from "@/lib/auth/activity";
import { describeUserAgent } from "@/lib/session/device";

export const metadata: Metadata = { title: "Sign-in activity" };

const cell = "border-b border-line px-[0.6rem] py-[0.55rem] text-left align-top";
const th = `${cell} text-[0.85rem] font-semibold text-muted`;
/** On a phone the table becomes one card per row, and each cell names its column itself (its data-label). */
const td = `${cell} max-sm:grid max-sm:grid-cols-[6rem_1fr] max-sm:gap-3 max-sm:border-0 max-sm:px-0 max-sm:py-[0.15rem] max-sm:before:text-[0.85rem] max-sm:before:font-semibold max-sm:before:text-muted max-sm:before:content-[attr(data-label)]`;

export default async function ActivityPage() {
  const user = await requireUser("/settings/activity");
  const env = getEnv();
  const events = await listSignInActivity(db, user.id);

  return (
    <div className={`${card} ${stack}`}>
      <h1>Sign-in activity</h1>
      <p className={hint}>
        Your last {ACTIVITY_PAGE_SIZE} sign-ins, and the failed attempts we know were yours (a reconnect that did not work). If something
        here was not you, sign it out on the <a href="/settings/sessions">Sessions</a> page.
      </p>
      {events.length === 0 ? (
        <p>No sign-ins recorded yet.</p>
      ) : (
        <table className="w-full border-collapse text-[0.94rem]">
          <thead className="max-sm:sr-only">
            <tr>
              <th scope="col" className={th}>
                Time
              </th>
              <th scope="col" className={th}>
                Provider
              </th>
              <th scope="col" className={th}>
                Device
              </th>
              <th scope="col" className={th}>
                IP
              </th>
              <th scope="col" className={th}>
                Result
              </th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr
                className="max-sm:block max-sm:border-b max-sm:border-line max-sm:py-[0.6rem]"
                key={event.id}
                data-testid="activity"
                data-result={event.result}
              >
                <td className={td} data-label="Time">
                  <UtcTime date={event.createdAt} />
                </td>
                <td className={td} data-label="Provider">
                  {providerName(env, event.provider) ?? event.provider}
                </td>
                <td className={td} data-label="Device">
                  {describeUserAgent(event.userAgent)}
                </td>
                <td className={td} data-label="IP">
                  {event.ip ?? "unknown"}
                </td>
                <td className={td} data-label="Result">
                  {event.result === "success" ? describeSignInResult(event.result) : <strong>{describeSignInResult(event.result)}</strong>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
