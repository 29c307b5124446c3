// What the dashboard's browser scripts share: their input from the
// environment, Debian's Chromium, screenshots, and axe-core's violations
// reduced to what the Rust tests read.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(import.meta.url);
// Evaluated through the DevTools protocol rather than added as a <script>:
// the pages forbid inline scripts (CSP `script-src 'self'`), and the tests
// should see them under that policy, not with it switched off.
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

// The JSON object a script prints: axe results by page, the steps reached.
// `csp`: what Chromium refused under the pages' Content-Security-Policy.
export const out = { axe: {}, steps: [], csp: [] };
export const step = (s) => out.steps.push(s);

const shots = env("CASA_SCREENSHOTS");
mkdirSync(shots, { recursive: true });

export async function shot(page, name) {
  await page.screenshot({ path: join(shots, name), fullPage: true });
}

export async function axe(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    await axe.run(document, { resultTypes: ["violations"] })
  );
  out.axe[name] = result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CASA_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

// Runs the script's body, then prints `out` (with the error, if any).
export async function run(body) {
  const browser = await launch();
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.on("page", (page) =>
      page.on("console", (m) => {
        if (m.type() === "error" && m.text().includes("Content Security Policy")) out.csp.push(m.text());
      })
    );
    return context;
  };
  try {
    await body(browser);
  } catch (e) {
    out.error = String(e && e.stack ? e.stack : e);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}
