// The status page in a real browser (Debian's chromium, driven by playwright-core from npm;
// installed by scripts/install-deps.sh): it lists a connected sensor as active, then - without
// a reload, by its own refresh - shows it asleep after it sleeps, and it loads nothing from
// anywhere but the gateway. Run by tests/integration/browser_test.cpp:
//   node status_page.cjs URL CLIENT_ID [SCREENSHOT.png]
// Prints ACTIVE once the sensor is listed as active (the test then puts it to sleep), then
// ASLEEP and OK; exits non-zero with the reason on any failure.
"use strict";
const { chromium } = require("playwright-core");

async function main() {
  const [url, clientId, screenshot] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  try {
    // A phone-sized window: the page must stay usable there.
    const page = await browser.newPage({ viewport: { width: 412, height: 860 } });
    const origin = new URL(url).origin;
    const foreign = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(origin)) foreign.push(r.url());
    });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    const row = `tr[data-client="${clientId}"]`;
    await page.waitForSelector(`${row} td[data-state="active"]`, { timeout: 15000 });
    console.log("ACTIVE");
    await page.waitForSelector(`${row} td[data-state="asleep"]`, { timeout: 20000 });
    console.log("ASLEEP");
    const text = await page.textContent(row);
    if (!text.includes("sleep 300 s")) throw new Error("row without its sleep duration: " + text);
    // Nothing wider than the phone's screen except inside the scrolling table wrappers.
    const overflow = await page.evaluate(() => document.body.scrollWidth - window.innerWidth);
    if (overflow > 0) throw new Error("the page is " + overflow + " px wider than the screen");
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    if (foreign.length) throw new Error("requests outside the gateway: " + foreign.join(", "));
    if (errors.length) throw new Error("script errors: " + errors.join("; "));
    console.log("OK");
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error("FAILED: " + e.message);
  process.exit(1);
});
