/** Scenario 7: first-load JS of /login (7a) and /dashboard (7b) against a bare page, from the build's manifests. */
import { TARGETS } from "../lib/config";
import { clientWeight } from "../lib/client-weight";
import { kB, type Row } from "../lib/report";

import { raw, status, type Context, type Scenario } from "./helpers";

async function clientWeightRows(ctx: Context): Promise<Row[]> {
  const login = await raw(`${ctx.app.url}/login`);
  const dashboard = await raw(`${ctx.app.url}/dashboard`, { cookie: ctx.aliceCookie });
  const weight = clientWeight(ctx.appBuild.distDir, ["/login", "/dashboard", "/"], {
    "/login": login.status === 200 ? login.body : undefined,
    "/dashboard": dashboard.status === 200 ? dashboard.body : undefined,
  });
  const appModules = weight.appClientModules.reduce((sum, m) => sum + m.gzipBytes, 0);
  const rows: Row[] = [];
  for (const route of ["/login", "/dashboard"]) {
    const w = weight.routes.find((r) => r.route === route);
    if (!w) continue;
    const htmlMismatch = w.htmlCheck && (w.htmlCheck.onlyInHtml.length > 0 || w.htmlCheck.onlyInManifest.length > 0);
    rows.push({
      id: route === "/login" ? "7a" : "7b",
      scenario: `Client JS: ${route} vs a bare page (gzip)`,
      figure: `${kB(w.gzipBytes)} = bare ${w.overBareGzipBytes >= 0 ? "+" : "−"} ${kB(Math.abs(w.overBareGzipBytes))}`,
      target: "≤ bare + 5.0 kB",
      status: status(w.overBareGzipBytes <= TARGETS.overBareBytes),
      details: {
        route: w,
        barePage: weight.barePage,
        frameworkFloor: weight.frameworkFloor,
        appClientModules: weight.appClientModules,
        htmlCrossCheck: w.htmlCheck ?? "page not fetched",
      },
      note:
        route === "/dashboard"
          ? `bare = framework floor (${kB(weight.frameworkFloor.gzipBytes)}) + the root segments' client chunks (${kB(weight.barePage.gzipBytes - weight.frameworkFloor.gzipBytes)}); ` +
            `the app's own client components in them weigh ${kB(appModules)} gzip (${weight.appClientModules.map((m) => `${m.module} ${m.gzipBytes} B`).join(", ")}).` +
            (htmlMismatch
              ? " The served HTML loads other chunks than the manifests say: see results.json."
              : " The served HTML's <script> chunks match.")
          : undefined,
    });
  }
  return rows;
}

export const clientWeightScenario: Scenario = { id: "7", name: "client weight", run: clientWeightRows };
