// The staff dashboard in a real browser (Debian's Chromium, headless, driven
// by Playwright): a Bari moderator blurs a region of a report's photo and
// publishes it, and the queue's live banner tells of a report that arrives
// meanwhile; a Monopoli moderator cannot reach it; the public works operator
// resolves it with a note and a photo and looks at the statistics. axe-core
// checks every page. Prints one JSON object; the Rust test
// (tests/tests/dashboard_browser.rs) makes the assertions.
//
// Input (environment): CASA_URL, CASA_REPORT_ID, CASA_BARI_EMAIL,
// CASA_MONOPOLI_EMAIL, CASA_OPERATOR_EMAIL, CASA_PASSWORD, CASA_SCREENSHOTS,
// CASA_CHROMIUM, CASA_LIVE_SYNC (a sync request filing one more Bari
// report), CASA_LIVE_SYNC_KEY (its phone's key), CASA_WORK_PHOTO (a JPEG file).
import { axe, env, out, run, shot, step } from "./browser.mjs";

const base = env("CASA_URL");
const reportId = env("CASA_REPORT_ID");
const password = env("CASA_PASSWORD");

async function logIn(page, email) {
  await page.goto(`${base}/dashboard/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(/\/dashboard\/comuni\/\d{6}\/(queue|ufficio)/), page.click("main button[type=submit]")]);
}

await run(async (browser) => {
  // --- A moderator of Bari -------------------------------------------------
  const bari = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "it-IT" });
  const page = await bari.newPage();
  await page.goto(`${base}/dashboard/login`);
  await shot(page, "dashboard-01-accesso.png");
  await axe(page, "login");
  await logIn(page, env("CASA_BARI_EMAIL"));
  out.bari_queue_url = page.url();
  const link = page.locator(`table a[href="/dashboard/reports/${reportId}"]`).first();
  out.bari_map_pins = await page.locator(`svg.queue-map a[href="/dashboard/reports/${reportId}"]`).count();
  out.bari_queue_lists_report = (await link.count()) > 0;
  out.bari_queue_text = (await link.textContent()) || "";
  await shot(page, "dashboard-02-coda-bari.png");
  await axe(page, "queue");
  step("queue");

  // A citizen files another report while the queue is open: the live banner says so.
  const liveSync = JSON.parse(env("CASA_LIVE_SYNC"));
  const sent = await page.request.post(`${base}/api/v1/sync`, {
    data: liveSync,
    headers: { "X-Casa-Device": liveSync.device_id, "X-Casa-Device-Key": env("CASA_LIVE_SYNC_KEY") },
  });
  out.live_sync_status = sent.status();
  await page.waitForSelector("#live .alert", { timeout: 20000 });
  out.live_text = (await page.locator("#live").textContent()).trim();
  await shot(page, "dashboard-09-coda-dal-vivo.png");
  await axe(page, "queue_live");
  step("live");

  await Promise.all([page.waitForURL(`**/dashboard/reports/${reportId}`), link.click()]);
  out.report_heading = await page.locator("h1").textContent();
  await shot(page, "dashboard-03-segnalazione.png");
  await axe(page, "report");
  step("report");

  // The photo viewer: draw the region with the mouse, as a moderator would.
  await Promise.all([page.waitForURL(/\/photos\/1$/), page.click(".report-photos a")]);
  const img = page.locator("#blur-target");
  await img.waitFor();
  await page.waitForFunction(() => {
    const i = document.getElementById("blur-target");
    return i && i.complete && i.naturalWidth > 0;
  });
  out.photo_before = await img.getAttribute("src");
  const box = await img.boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.25);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.6, { steps: 5 });
  await page.mouse.up();
  out.region = {};
  for (const f of ["left", "top", "width", "height"]) out.region[f] = await page.inputValue(`#blur-${f}`);
  await shot(page, "dashboard-04-zona-da-sfocare.png");
  await axe(page, "photo");
  await Promise.all([page.waitForURL(/fatto=sfocata/), page.click("#blur-form button[type=submit]")]);
  await page.waitForFunction(() => {
    const i = document.getElementById("blur-target");
    return i && i.complete && i.naturalWidth > 0;
  });
  out.photo_after = await page.locator("#blur-target").getAttribute("src");
  out.blur_notice = await page.locator("[role=status]").first().textContent();
  out.original_after_blur = (await page.request.get(`${base}${out.photo_before}`)).status();
  await shot(page, "dashboard-05-foto-sfocata.png");
  step("blurred");

  await Promise.all([page.waitForURL(`**/dashboard/reports/${reportId}`), page.click("a:has-text('Torna alla segnalazione')")]);
  await Promise.all([page.waitForURL(/fatto=published/), page.click("button:has-text('Pubblica')")]);
  out.published_notice = await page.locator("[role=status]").first().textContent();
  await shot(page, "dashboard-06-pubblicata.png");
  step("published");

  // --- A moderator of Monopoli ----------------------------------------------
  const monopoli = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "it-IT" });
  const other = await monopoli.newPage();
  await logIn(other, env("CASA_MONOPOLI_EMAIL"));
  out.monopoli_home = other.url();
  const direct = await other.goto(`${base}/dashboard/reports/${reportId}`);
  out.monopoli_report_status = direct.status();
  out.monopoli_report_heading = await other.locator("h1").textContent();
  await shot(other, "dashboard-07-monopoli-403.png");
  const photoPage = await other.goto(`${base}/dashboard/reports/${reportId}/photos/1`);
  out.monopoli_photo_status = photoPage.status();
  const bariQueue = await other.goto(`${base}/dashboard/comuni/072006/queue?status=all`);
  out.monopoli_bari_queue_status = bariQueue.status();
  // Every list of Monopoli's, with every status filter: never the report, and
  // the counts leave it out.
  out.monopoli_lists = [];
  for (const status of ["in_moderation", "published", "assigned_to_department", "rejected", "all"]) {
    await other.goto(`${base}/dashboard/comuni/072030/queue?status=${status}`);
    const html = await other.content();
    out.monopoli_lists.push({
      status,
      mentions_report: html.includes(reportId) || html.includes("Basilica"),
      count_text: (await other.locator("main p[role=status]").first().textContent()).trim(),
    });
  }
  await shot(other, "dashboard-08-coda-monopoli.png");
  step("monopoli");

  // --- The public works operator of Bari ------------------------------------
  const works = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "it-IT" });
  const op = await works.newPage();
  await logIn(op, env("CASA_OPERATOR_EMAIL"));
  out.operator_home = op.url();
  out.operator_lists_report = (await op.locator(`table a[href="/dashboard/reports/${reportId}"]`).count()) > 0;
  await shot(op, "dashboard-10-ufficio.png");
  await axe(op, "office");
  await Promise.all([op.waitForURL(`**/dashboard/reports/${reportId}`), op.click(`table a[href="/dashboard/reports/${reportId}"]`)]);
  await op.fill("#work-note", "Buca chiusa con asfalto a freddo, in attesa del rifacimento");
  await op.setInputFiles("#work-photo", env("CASA_WORK_PHOTO"));
  await Promise.all([op.waitForURL(/fatto=resolved/), op.click("button:has-text('Segna come risolta')")]);
  out.resolved_notice = await op.locator("[role=status]").first().textContent();
  out.history_photos = await op.locator("#history-title ~ ol img").count();
  await shot(op, "dashboard-11-risolta.png");
  await axe(op, "report_resolved");
  await op.goto(`${base}/dashboard/comuni/072006/statistiche?periodo=all`);
  out.stats_total = (await op.locator("#stat-total").textContent()).trim();
  await shot(op, "dashboard-12-statistiche.png");
  await axe(op, "stats");
  step("operator");
});
