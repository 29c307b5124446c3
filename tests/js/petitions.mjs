// The petitions pages of the staff dashboard in a real browser (Debian's
// Chromium, headless, driven by Playwright): a Bari moderator finds a
// proposal waiting for moderation, opens it for signatures, previews the
// invalidation of a shared phone's signatures and applies it. axe-core checks
// every page. Prints one JSON object; the Rust test
// (tests/tests/petitions_browser.rs) makes the assertions.
//
// Input (environment): CASA_URL, CASA_PETITION_ID, CASA_EMAIL, CASA_PASSWORD,
// CASA_SCREENSHOTS, CASA_CHROMIUM.
import { axe, env, out, run, shot, step } from "./browser.mjs";

const base = env("CASA_URL");
const petition = env("CASA_PETITION_ID");

await run(async (browser) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "it-IT" });
  const page = await context.newPage();
  await page.goto(`${base}/dashboard/login`);
  await page.fill("#email", env("CASA_EMAIL"));
  await page.fill("#password", env("CASA_PASSWORD"));
  await Promise.all([page.waitForURL(/\/dashboard\/comuni\/\d{6}\/queue/), page.click("main button[type=submit]")]);
  step("login");

  // The Petizioni tab: the proposal waiting for moderation comes first.
  await Promise.all([page.waitForURL(/\/petizioni$/), page.click("nav a:has-text('Petizioni')")]);
  out.list_status = (await page.locator("main p.lead").textContent()).trim();
  out.first_row = (await page.locator("#petitions-table tbody tr").first().textContent()).replace(/\s+/g, " ").trim();
  await shot(page, "petizioni-01-elenco.png");
  await axe(page, "list");
  step("list");

  await Promise.all([page.waitForURL(/\/dashboard\/petizioni\//), page.click(`a[href="/dashboard/petizioni/${petition}"]`)]);
  await shot(page, "petizioni-02-proposta.png");
  await axe(page, "proposal");
  await Promise.all([page.waitForURL(/fatto=open/), page.click("button[value=open]")]);
  out.opened_notice = (await page.locator("div.alert-success").textContent()).trim();
  out.status_after_open = (await page.locator("#petition-status").textContent()).trim();
  out.shared_devices = await page.locator("#shared-devices tbody tr").count();
  await shot(page, "petizioni-03-aperta.png");
  await axe(page, "open");
  step("open");

  // The shared phone's signatures: preview, then apply.
  await Promise.all([page.waitForURL(/\/annulla\?/), page.click("#shared-devices a")]);
  out.preview_count = (await page.locator("#preview-count").textContent()).trim();
  await shot(page, "petizioni-04-anteprima-annullamento.png");
  await axe(page, "preview");
  await Promise.all([page.waitForURL(/fatto=annullate/), page.click("form.actions button.btn-danger")]);
  out.after_invalidation = (await page.locator("#petition-signatures").textContent()).replace(/\s+/g, " ").trim();
  await shot(page, "petizioni-05-firme-annullate.png");
  await axe(page, "invalidated");
  step("invalidated");
});
