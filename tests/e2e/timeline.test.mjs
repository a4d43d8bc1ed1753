// End-to-end: the timeline under the canvas, driven with a real pointer and keys. Dragging back
// shows an earlier moment exactly, Play goes on from there, a change there starts a new branch
// and Ctrl+Z brings the old one back. Screenshots go to target/screenshots/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { openPage, eventually, clockSeconds, suite, screenshots } from "./harness.mjs";

const shared = suite();

/** The label's "now / head" in seconds. */
async function position(page) {
  const text = await page.getByTestId("timeline-label").textContent();
  const [now, head] = text.replace(" s", "").split("/").map(Number);
  return { now, head };
}

/** What a person reads of the run: the users' counts and the services' states. */
async function seen(page) {
  return page.evaluate(() => ({
    figures: [...document.querySelectorAll("dl.figures dd")].map((node) => node.textContent).join(" | "),
    log: [...document.querySelectorAll("[data-testid=log] li")].map((node) => node.textContent).join(" | "),
    states: [...document.querySelectorAll("svg.topology g.node")].map((node) => `${node.dataset.testid}:${node.dataset.state}`).join(" "),
  }));
}

/** Drags the scrubber's thumb from its place to `fraction` of the track, with the mouse. */
async function scrubTo(page, fraction) {
  const scrubber = page.getByTestId("scrubber");
  const box = await scrubber.boundingBox();
  const { now, head } = await position(page);
  // The thumb's centre runs from half a thumb in from the left to half a thumb in from the right.
  const thumb = 16;
  const at = (share) => box.x + thumb / 2 + share * (box.width - thumb);
  const y = box.y + box.height / 2;
  await page.mouse.move(at(head > 0 ? now / head : 0), y);
  await page.mouse.down();
  await page.mouse.move(at(fraction), y, { steps: 6 });
  await page.mouse.up();
}

test("dragging the timeline back shows that moment exactly; Play goes on; a change there branches and Ctrl+Z brings the old branch back", async () => {
  const page = await openPage(shared.browser, `${shared.server.url}?preset=checkout&speed=1`);
  await page.getByTestId("node-Orders").waitFor();
  assert.ok(await eventually(async () => (await clockSeconds(page)) >= 2));
  await page.getByTestId("kill-Payments").click();
  assert.ok(await eventually(async () => (await clockSeconds(page)) >= 6));
  await page.getByTestId("play").click();
  const { head } = await position(page);
  assert.ok(head >= 6, `${head}`);
  assert.match(await page.getByTestId("node-Payments").getAttribute("data-state"), /killed/);

  // Back to before the kill: Payments is up again, the page says it is an earlier moment.
  await scrubTo(page, 0.2);
  const back = await position(page);
  assert.ok(back.now > 0 && back.now < 2, `${back.now}`);
  assert.equal(back.head, head, "how far the run got stays");
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "up");
  await page.getByTestId("timeline-behind").waitFor();
  const earlier = await seen(page);
  await page.screenshot({ path: join(screenshots, "timeline-back.png") });

  // Play on a little, pause, and drag to the same place again: the same moment, exactly.
  await page.getByTestId("play").click();
  assert.ok(await eventually(async () => (await clockSeconds(page)) >= back.now + 1));
  await page.getByTestId("play").click();
  await scrubTo(page, 0.2);
  assert.equal((await position(page)).now, back.now);
  assert.deepEqual(await seen(page), earlier, "recomputed, not approximated");

  // Keys on the scrubber: End goes to how far the run got (Payments down again), Home to 0.
  await page.getByTestId("scrubber").focus();
  await page.keyboard.press("End");
  assert.ok(await eventually(async () => (await position(page)).now === head), "(await position(page)).now reaches head");
  assert.match(await page.getByTestId("node-Payments").getAttribute("data-state"), /killed/);
  assert.equal(await page.getByTestId("timeline-behind").count(), 0);
  await page.keyboard.press("Home");
  assert.ok(await eventually(async () => (await position(page)).now === 0), "(await position(page)).now reaches 0");

  // A change at an earlier moment: a new branch from there, the old future gone...
  await scrubTo(page, 0.5);
  const branchedAt = (await position(page)).now;
  await page.getByTestId("kill-Inventory").click();
  assert.ok(await eventually(async () => (await position(page)).head === branchedAt), "(await position(page)).head reaches branchedAt");
  assert.equal(await page.getByTestId("timeline-behind").count(), 0);
  assert.match(await page.getByTestId("node-Inventory").getAttribute("data-state"), /killed/);
  // ... until Ctrl+Z: back just before the change, the old future recorded again.
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("Control+z");
  assert.ok(await eventually(async () => (await position(page)).head === head), "(await position(page)).head reaches head");
  assert.equal(await page.getByTestId("node-Inventory").getAttribute("data-state"), "up");
  await page.getByTestId("timeline-behind").waitFor();
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("the embed with full controls has the timeline too", async () => {
  const page = await openPage(shared.browser, `${shared.server.url}?embed=1&controls=full&preset=checkout&speed=2`);
  await page.getByTestId("embed-root").waitFor();
  assert.ok(await eventually(async () => (await position(page)).head >= 3));
  await page.getByTestId("play").click();
  await scrubTo(page, 0.1);
  const { now, head } = await position(page);
  assert.ok(now < head / 2, `${now} of ${head}`);
  assert.deepEqual(page.problems, []);
  await page.close();
});
