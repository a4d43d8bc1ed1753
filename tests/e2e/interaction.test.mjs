// End-to-end: the first minute, with real pointer and keyboard input. Each test drives what a
// new user tripped over (issue 12) and checks what they would see. Screenshots go to
// target/screenshots/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { openPage, eventually, root, centre, drag, clockSeconds, suite, screenshots } from "./harness.mjs";


const shared = suite();

async function openPlayground(query = "") {
  const page = await openPage(shared.browser, shared.server.url + query);
  await page.getByTestId("playground").waitFor();
  await page.locator("svg.topology").waitFor();
  return page;
}

async function pause(page) {
  if ((await page.getByTestId("play").textContent()).trim() === "Pause") await page.getByTestId("play").click();
}

test("a node drag released outside the canvas ends there, is undoable, and Escape cancels a drag", async () => {
  const page = await openPlayground();
  await pause(page);
  const inventory = page.getByTestId("node-Inventory");
  const start = await centre(inventory);
  const panel = await page.locator("aside.panel").boundingBox();
  // Down on Inventory, out over the side panel, released there.
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x - 80, start.y - 60, { steps: 6 });
  await page.mouse.move(panel.x + panel.width / 2, panel.y + 200, { steps: 8 });
  await page.mouse.up();
  const dropped = await centre(inventory);
  // With no button pressed the node must not follow the pointer any more.
  await page.mouse.move(start.x - 300, start.y + 50, { steps: 6 });
  const later = await centre(inventory);
  assert.ok(Math.abs(later.x - dropped.x) < 1 && Math.abs(later.y - dropped.y) < 1, "the drag ended on release");
  assert.ok(Math.abs(dropped.x - start.x) > 20, "it moved toward where it was released");
  const stage = await page.locator("svg.topology").boundingBox();
  const box = await inventory.boundingBox();
  assert.ok(box.x + box.width <= stage.x + stage.width + 1, "and stays inside the canvas");
  assert.equal(await page.evaluate(() => window.getSelection().toString()), "", "no text got selected");
  // The move is in the history.
  await page.keyboard.press("Control+z");
  const undone = await centre(inventory);
  assert.ok(Math.abs(undone.x - start.x) < 2 && Math.abs(undone.y - start.y) < 2, "undo puts it back");

  // Escape in the middle of a drag: nothing moves, nothing to undo.
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move(start.x - 120, start.y - 90, { steps: 6 });
  await page.keyboard.press("Escape");
  await page.mouse.up();
  const cancelled = await centre(inventory);
  assert.ok(Math.abs(cancelled.x - start.x) < 2 && Math.abs(cancelled.y - start.y) < 2, "Escape cancels the drag");
  await page.keyboard.press("Control+Shift+z");
  assert.ok(Math.abs((await centre(inventory)).x - start.x) > 20, "the first move is still there to redo");

  // Drawing a link from a handle selects no label text either.
  await drag(page, await centre(page.getByTestId("connect-Users")), { x: stage.x + stage.width * 0.5, y: stage.y + 20 });
  assert.equal(await page.evaluate(() => window.getSelection().toString()), "", "no text after a connect drag");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a node dragged by its edge stays where it was grabbed, and a click that wobbles a pixel still selects", async () => {
  const page = await openPlayground();
  await pause(page);
  const orders = page.getByTestId("node-Orders");
  const box = await orders.locator("rect").first().boundingBox();
  const stage = await page.locator("svg.topology").boundingBox();
  const viewBox = (await page.locator("svg.topology").getAttribute("viewBox")).split(/[ ,]+/).map(Number);
  const grid = 20 * (stage.width / viewBox[2]);
  // Grabbed near its left edge and carried 100 px right and 60 px down.
  const grab = { x: box.x + box.width * 0.08, y: box.y + box.height / 2 };
  const before = await centre(orders);
  await page.mouse.move(grab.x, grab.y);
  await page.mouse.down();
  await page.mouse.move(grab.x + 50, grab.y + 30, { steps: 5 });
  await page.mouse.move(grab.x + 100, grab.y + 60, { steps: 5 });
  const held = await orders.locator("rect").first().boundingBox();
  assert.ok(Math.abs(held.x + held.width * 0.08 - (grab.x + 100)) < 3, `the grabbed point stays under the pointer mid-drag (${held.x + held.width * 0.08} vs ${grab.x + 100})`);
  await page.mouse.up();
  const after = await centre(orders);
  for (const [axis, moved] of [["x", 100], ["y", 60]]) {
    const delta = after[axis] - before[axis];
    assert.ok(Math.abs(delta - moved) <= grid / 2 + 1, `moved ${delta.toFixed(1)} px along ${axis} for a ${moved} px drag (grid ${grid.toFixed(1)} px)`);
  }
  // A press, a 2 px wobble and a release is a click: it selects, nothing moves.
  const now = await centre(orders);
  await page.mouse.move(now.x, now.y);
  await page.mouse.down();
  await page.mouse.move(now.x + 2, now.y + 1, { steps: 2 });
  await page.mouse.up();
  await page.getByTestId("inspector").waitFor();
  const still = await centre(orders);
  assert.ok(Math.abs(still.x - now.x) < 1 && Math.abs(still.y - now.y) < 1, "a click does not move the node");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a palette block let go away from the canvas adds nothing; on the canvas it adds where it lands", async () => {
  const page = await openPlayground();
  await pause(page);
  const panel = await page.locator("aside.panel").boundingBox();
  await drag(page, await centre(page.getByTestId("palette-service")), { x: panel.x + panel.width / 2, y: panel.y + 150 });
  assert.equal(await page.getByTestId("node-Service 1").count(), 0, "released over the side panel: nothing added");
  const stage = await page.locator("svg.topology").boundingBox();
  await drag(page, await centre(page.getByTestId("palette-service")), { x: stage.x + stage.width * 0.5, y: stage.y + stage.height * 0.85 });
  await page.getByTestId("node-Service 1").waitFor();
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("Ctrl+A and Delete empty the canvas, which then says how to start; a new service takes the hint away", async () => {
  const page = await openPlayground();
  await pause(page);
  await page.locator("svg.topology").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Delete");
  await page.getByTestId("empty-hint").waitFor();
  assert.equal(await page.locator("[data-testid^=node-]").count(), 0, "every node went");
  assert.match(await page.getByTestId("empty-hint").textContent(), /Nothing here yet/);
  await page.getByText("No service yet: add one on the canvas.").waitFor();
  await page.getByText("No link yet: drag from a node's handle to another node.").waitFor();
  const hint = await page.getByTestId("empty-hint").boundingBox();
  const stage = await page.locator("svg.topology").boundingBox();
  assert.ok(hint.x >= stage.x && hint.x + hint.width <= stage.x + stage.width, "the hint fits the canvas");
  await page.screenshot({ path: join(screenshots, "empty-canvas.png") });
  await page.getByTestId("palette-service").click();
  await page.getByTestId("node-Service 1").waitFor();
  assert.equal(await page.getByTestId("empty-hint").count(), 0);
  assert.equal(await page.evaluate(() => window.getSelection().toString()), "", "Ctrl+A selected no page text");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("shortcuts work at page level whatever button was clicked last", async () => {
  const page = await openPlayground();
  // Clicking Kill leaves the focus on a button: Space must still pause, not revive.
  await page.getByTestId("kill-Payments").click();
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "killed");
  assert.equal((await page.getByTestId("play").textContent()).trim(), "Pause");
  await page.keyboard.press(" ");
  assert.equal((await page.getByTestId("play").textContent()).trim(), "Play", "space paused");
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "killed", "and did not revive Payments");
  // A button reached with the keyboard is pressed by Space, as everywhere else.
  await page.getByTestId("kill-Payments").focus();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), "kill-Payments");
  await page.keyboard.press(" ");
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "up", "Space revived Payments");
  assert.equal((await page.getByTestId("play").textContent()).trim(), "Play", "and left the run paused");
  // After "+ Service", Space plays instead of adding another service.
  await page.getByTestId("palette-service").click();
  await page.getByTestId("node-Service 1").waitFor();
  await page.keyboard.press(" ");
  assert.equal((await page.getByTestId("play").textContent()).trim(), "Pause", "space played");
  assert.equal(await page.getByTestId("node-Service 2").count(), 0, "no second service");
  // Ctrl+Z, t, p and Delete with a button focused.
  await page.getByTestId("compare").focus();
  await page.keyboard.press("Control+z");
  await eventually(async () => (await page.getByTestId("node-Service 1").count()) === 0, 3000);
  assert.equal(await page.getByTestId("node-Service 1").count(), 0, "Ctrl+Z undid the add");
  await page.getByTestId("edit-link-1").click();
  await page.keyboard.press("t");
  assert.equal((await page.getByTestId("link-1-kind").textContent()).trim(), "async", "t switched the selected link");
  await page.keyboard.press("p");
  assert.equal((await page.getByTestId("partition-1").textContent()).trim(), "Heal", "p cut it");
  await page.keyboard.press("Delete");
  assert.equal(await page.getByTestId("link-2-kind").count(), 0, "Delete removed the link");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("faults and scheduled changes show on the canvas where they happen, and in the log", async () => {
  const page = await openPlayground("?preset=retry-storm&speed=1");
  await eventually(async () => (await clockSeconds(page)) >= 5.3, 20000);
  await pause(page);
  assert.match(await page.getByTestId("rate-Users").textContent(), /300 requests\/s/, "the spike's rate, not the base rate");
  assert.equal(await page.getByTestId("fault-Users").textContent(), "LOAD SPIKE");
  assert.match(await page.getByTestId("log").textContent(), /Users spike to 300 requests\/s for 2\.0 s/);
  await page.screenshot({ path: join(screenshots, "spike-on-canvas.png") });

  const other = await openPlayground("?preset=checkout-async&speed=1");
  await other.getByTestId("slow-Payments").click();
  await other.getByTestId("errors-Payments").click();
  assert.equal(await other.getByTestId("fault-Payments").textContent(), "SLOW ×5 · 20% ERRORS");
  await other.getByTestId("broker").click();
  await other.getByTestId("broker-down-1").waitFor();
  assert.equal(await other.getByTestId("broker-down-1").textContent(), "BROKER DOWN");
  assert.match(await other.getByTestId("log").textContent(), /the broker went down/);
  await other.screenshot({ path: join(screenshots, "faults-on-canvas.png") });
  assert.deepEqual([...page.problems, ...other.problems], []);
  await page.close();
  await other.close();
});

test("the scenario menu names what is on screen: a preset, the stress workload, or your own", async () => {
  const stress = await openPlayground("?preset=stress&autoplay=0");
  const shown = await stress.getByTestId("preset").evaluate((select) => select.selectedOptions[0].textContent);
  assert.match(shown, /stress|Stress/, `shows ${shown}`);
  await stress.close();
  const page = await openPlayground();
  const scenario = JSON.parse(await readFile(join(root, "tests", "fixtures", "share-v1.json"), "utf8")).scenario;
  scenario.name = "My own scenario";
  const file = join(tmpdir(), "my-own-scenario.json");
  await writeFile(file, JSON.stringify(scenario));
  await page.getByTestId("import").setInputFiles(file);
  await eventually(async () => (await page.getByTestId("preset").evaluate((select) => select.selectedOptions[0].textContent)).includes("My own scenario"), 5000);
  assert.equal(await page.getByTestId("preset").evaluate((select) => select.selectedOptions[0].textContent), "Your scenario: My own scenario");
  assert.match(await page.getByTestId("message").textContent(), /Opened my-own-scenario\.json: My own scenario\./, "an import says it worked");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("during a total outage the latency charts show no value, not 0 ms", async () => {
  const page = await openPlayground("?speed=5");
  await eventually(async () => (await clockSeconds(page)) >= 3, 10000);
  await page.getByTestId("kill-Orders").click();
  await eventually(async () => (await page.getByTestId("chart-p99 latency, ms").getByTestId("chart-latest").textContent()) === "–", 10000);
  assert.equal(await page.getByTestId("chart-p50 latency, ms").getByTestId("chart-latest").textContent(), "–");
  assert.match(await page.getByTestId("chart-p50 latency, ms").locator("svg").getAttribute("aria-label"), /no data now/);
  await page.close();
});

test("notes float over the page without moving it, and fade by themselves", async () => {
  const page = await openPlayground();
  const before = await page.locator("svg.topology").boundingBox();
  await page.keyboard.press("k");
  const note = page.getByTestId("message");
  await note.waitFor();
  assert.match(await note.textContent(), /select a service/);
  const during = await page.locator("svg.topology").boundingBox();
  assert.equal(during.y, before.y, "the canvas did not move");
  await page.screenshot({ path: join(screenshots, "note-floating.png") });
  const gone = await eventually(async () => (await page.getByTestId("message").count()) === 0, 7000);
  assert.ok(gone, "the note went by itself within 6 s");
  // A click on "+ Queue" explains itself in a note over the palette; the drag it asks for
  // then works at once, through the note.
  await page.getByTestId("palette-queue").click();
  await note.waitFor();
  const queue = await centre(page.getByTestId("palette-queue"));
  const hit = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest("[data-testid]")?.dataset.testid, queue);
  assert.equal(hit, "palette-queue", "the note does not cover the palette");
  await drag(page, queue, await centre(page.getByTestId("link-0")));
  assert.equal((await page.getByTestId("link-0-kind").textContent()).trim(), "async", "the queue went onto the link");
  await page.close();
});

test("the Links list tells links from the same caller apart", async () => {
  const page = await openPlayground();
  const rows = page.locator(".row-name.link-ends");
  const texts = await rows.allTextContents();
  assert.ok(texts.includes("Orders\u00a0→\u00a0Payments") && texts.includes("Orders\u00a0→\u00a0Inventory"), texts.join(" | "));
  const titles = await rows.evaluateAll((spans) => spans.map((span) => span.title));
  assert.equal(new Set(titles).size, titles.length, "every link has its own tooltip");
  // Narrow column: the two links still differ in what is visible.
  await page.setViewportSize({ width: 360, height: 800 });
  const widths = await rows.evaluateAll((spans) => spans.map((span) => span.lastElementChild.getBoundingClientRect().width));
  assert.ok(widths.every((width) => width > 20), "the callee's name stays visible");
  await page.close();
});

test("a reload picks the run up where it was, with no console warnings; reduced motion is followed live", async () => {
  const context = await shared.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const warnings = [];
  page.on("console", (message) => {
    if (["warning", "error"].includes(message.type())) warnings.push(message.text());
  });
  await page.goto(shared.server.url);
  await page.getByTestId("node-Orders").waitFor();
  await page.getByTestId("speed").selectOption("2");
  await eventually(async () => (await clockSeconds(page)) >= 3, 10000);
  await page.getByTestId("kill-Payments").click();
  await eventually(async () => (await clockSeconds(page)) >= 5, 10000);
  await pause(page);
  const left = await clockSeconds(page);
  await page.reload();
  await page.getByTestId("node-Payments").waitFor();
  await eventually(async () => (await page.getByTestId("replaying").count()) === 0, 10000);
  assert.equal(await clockSeconds(page), left, "the same moment");
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "killed", "with its faults");
  assert.equal(await page.getByTestId("speed").inputValue(), "2", "at its speed");
  assert.deepEqual(warnings, [], "no console warnings at all");

  // Reduced motion turned on, then off, while the page is open.
  await page.getByTestId("play").click();
  await page.emulateMedia({ reducedMotion: "reduce" });
  await page.getByTestId("in-flight-0").waitFor();
  await page.emulateMedia({ reducedMotion: "no-preference" });
  await eventually(async () => (await page.getByTestId("in-flight-0").count()) === 0, 5000);
  assert.equal(await page.getByTestId("in-flight-0").count(), 0, "the counts give way to dots again");
  const frames = Number(await page.locator("canvas.dots").first().getAttribute("data-frames"));
  assert.ok(frames > 0);
  await context.close();
});

test("axe finds no serious or critical accessibility problem on the playground, the compare view and each embed", async () => {
  const axe = await readFile(join(root, "tests", "e2e", "node_modules", "axe-core", "axe.min.js"), "utf8");
  const pages = [
    ["playground", "", null],
    ["playground, dark", "?theme=dark", null],
    ["compare view", "", "compare"],
    ["embed without controls", "?embed=1&controls=none", null],
    ["embed, minimal controls", "?embed=1", null],
    ["embed, full controls, dark", "?embed=1&controls=full&theme=dark", null],
  ];
  const found = [];
  for (const [label, query, click] of pages) {
    const page = await openPage(shared.browser, shared.server.url + query);
    await page.locator("svg.topology").first().waitFor();
    if (click) await page.getByTestId(click).click();
    // Something in every state: a killed service, a dead letter's link in the log.
    if (!query.includes("embed")) {
      await page.getByTestId("kill-Payments").click();
      await page.waitForTimeout(1500);
    }
    await page.addScriptTag({ content: axe });
    const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations);
    for (const violation of violations.filter((v) => ["serious", "critical", "moderate"].includes(v.impact))) {
      found.push(`${label}: ${violation.impact} ${violation.id} (${violation.nodes.map((node) => node.target.join(" ")).slice(0, 3).join(", ")})`);
    }
    await page.context().close();
  }
  assert.deepEqual(found, []);
});

test("a keyboard path to everything on the canvas: arrows move, fault keys act on the focused item, Enter inspects", async () => {
  const page = await openPlayground();
  await pause(page);
  const focusedItem = () =>
    page.evaluate(() => {
      const element = document.activeElement;
      return element?.getAttribute("data-node") ?? (element?.getAttribute("data-link") ? "link " + element.getAttribute("data-link") : null);
    });
  // Tab reaches the canvas: exactly one of its items is in the tab order.
  assert.equal(await page.locator("svg.topology [tabindex='0']").count(), 1);
  await page.locator("svg.topology [tabindex='0']").focus();
  assert.equal(await focusedItem(), "Users");
  await page.keyboard.press("ArrowRight");
  assert.equal(await focusedItem(), "Orders");
  await page.keyboard.press("k");
  assert.equal(await page.getByTestId("node-Orders").getAttribute("data-state"), "killed", "k killed the focused service");
  assert.match(await page.getByTestId("node-Orders").getAttribute("aria-label"), /^Orders: killed, 0 of 20 threads busy/, "a screen reader hears name, state and threads");
  await page.keyboard.press("Enter");
  await page.getByTestId("inspector").waitFor();
  assert.equal(await page.getByTestId("inspector-name").inputValue(), "Orders", "Enter opened its inspector");
  // On to the links: after the four nodes comes link 0.
  await page.locator("[data-node='Orders']").focus();
  for (let step = 0; step < 4; step++) await page.keyboard.press("ArrowRight");
  assert.equal(await focusedItem(), "link 1");
  await page.keyboard.press("t");
  assert.equal((await page.getByTestId("link-1-kind").textContent()).trim(), "async", "t switched the focused link");
  assert.match(await page.getByTestId("link-1").getAttribute("aria-label"), /^Orders calls Payments, async/);
  await page.keyboard.press("ArrowLeft");
  assert.equal(await focusedItem(), "link 0");
  await page.screenshot({ path: join(screenshots, "keyboard-focus.png") });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("pan and zoom: Ctrl+wheel zooms at the pointer, a drag on empty canvas pans, + - 0 and the buttons work, links keep the view", async () => {
  const page = await openPlayground();
  await pause(page);
  const payments = page.getByTestId("node-Payments");
  const before = await payments.boundingBox();
  const at = await centre(payments);
  // Ctrl+wheel over Payments: it grows, and stays under the pointer.
  await page.mouse.move(at.x, at.y);
  await page.keyboard.down("Control");
  await page.mouse.wheel(0, -300);
  await page.keyboard.up("Control");
  await eventually(async () => (await payments.boundingBox()).width > before.width * 1.5, 3000);
  const zoomed = await payments.boundingBox();
  assert.ok(zoomed.width > before.width * 1.5, `zoomed in: ${before.width} -> ${zoomed.width}`);
  const still = await centre(payments);
  assert.ok(Math.abs(still.x - at.x) < 3 && Math.abs(still.y - at.y) < 3, "the point under the pointer stays");
  // A drag on empty canvas pans by the same amount, and selects nothing.
  const stage = await page.locator("svg.topology").boundingBox();
  // Some point of the canvas with nothing on it (the grid shows through).
  const empty = await page.evaluate(([left, top, width, height]) => {
    for (let y = top + height - 20; y > top + 40; y -= 15) {
      for (let x = left + 20; x < left + width - 120; x += 15) {
        if (document.elementFromPoint(x, y)?.classList.contains("grid")) return { x, y };
      }
    }
    return null;
  }, [stage.x, stage.y, stage.width, stage.height]);
  assert.ok(empty, "an empty spot on the canvas");
  await drag(page, empty, { x: empty.x + 120, y: empty.y - 40 });
  const panned = await centre(payments);
  assert.ok(Math.abs(panned.x - still.x - 120) < 4 && Math.abs(panned.y - still.y + 40) < 4, `panned with the pointer: ${JSON.stringify([still, panned])}`);
  // Space and a drag pans too, even starting on a node, and the run neither plays nor pauses.
  const playing = (await page.getByTestId("play").textContent()).trim();
  const startOn = await centre(payments);
  await page.keyboard.down(" ");
  await drag(page, startOn, { x: startOn.x - 60, y: startOn.y + 30 });
  await page.keyboard.up(" ");
  const afterSpace = await centre(payments);
  assert.ok(Math.abs(afterSpace.x - startOn.x + 60) < 4 && Math.abs(afterSpace.y - startOn.y - 30) < 4, "space-drag panned the view");
  assert.equal((await page.getByTestId("play").textContent()).trim(), playing, "space used to pan does not play or pause");
  await page.keyboard.press("Control+z");
  assert.ok(Math.abs((await centre(payments)).x - afterSpace.x) < 2, "and moved no node (nothing to undo)");
  // The view travels in a share link.
  await page.getByTestId("share").click();
  const link = await page.getByTestId("share-link").inputValue();
  const viewBox = await page.locator("svg.topology").getAttribute("viewBox");
  const opened = await openPage(shared.browser, link);
  await opened.getByTestId("node-Payments").waitFor();
  await eventually(async () => (await opened.getByTestId("replaying").count()) === 0, 5000);
  assert.equal(await opened.locator("svg.topology").getAttribute("viewBox"), viewBox, "the link keeps the view");
  await opened.close();
  // Fit (the button and 0) shows everything again; - and + step.
  await page.getByTestId("fit-view").click();
  const fitted = await page.locator("svg.topology").getAttribute("viewBox");
  await page.keyboard.press("+");
  assert.notEqual(await page.locator("svg.topology").getAttribute("viewBox"), fitted, "+ zooms");
  await page.keyboard.press("0");
  assert.equal(await page.locator("svg.topology").getAttribute("viewBox"), fitted, "0 fits");
  await page.getByTestId("zoom-out").click();
  assert.notEqual(await page.locator("svg.topology").getAttribute("viewBox"), fitted, "the - button zooms out");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("the stress topology opens fitted: every box in view, none on another", async () => {
  const page = await openPlayground("?preset=stress&autoplay=0");
  const stage = await page.locator("svg.topology").boundingBox();
  const boxes = await page.locator("g.node").evaluateAll((nodes) => nodes.map((node) => {
    const rect = node.querySelector("rect").getBoundingClientRect();
    return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
  }));
  assert.equal(boxes.length, 60, "50 services and 10 load sources");
  for (const [index, box] of boxes.entries()) {
    assert.ok(box.x >= stage.x - 1 && box.y >= stage.y - 1 && box.x + box.width <= stage.x + stage.width + 1 && box.y + box.height <= stage.y + stage.height + 1, `box ${index} in view`);
    for (const other of boxes.slice(index + 1)) {
      const apart = box.x + box.width <= other.x + 0.5 || other.x + other.width <= box.x + 0.5 || box.y + box.height <= other.y + 0.5 || other.y + other.height <= box.y + 0.5;
      assert.ok(apart, `boxes overlap: ${JSON.stringify(box)} ${JSON.stringify(other)}`);
    }
  }
  await page.screenshot({ path: join(screenshots, "stress-fitted.png") });
  await page.close();
});

test("multi-select: Shift+click and a Shift-drag rectangle; the group moves, fails, copies and deletes together", async () => {
  const page = await openPlayground();
  await pause(page);
  await page.getByTestId("node-Payments").click();
  await page.keyboard.down("Shift");
  await page.getByTestId("node-Inventory").click();
  await page.keyboard.up("Shift");
  await page.getByTestId("inspector-group").waitFor();
  assert.match(await page.getByTestId("inspector-group").textContent(), /2 selected/);
  // Drag one: both move.
  const [payments, inventory] = [await centre(page.getByTestId("node-Payments")), await centre(page.getByTestId("node-Inventory"))];
  await drag(page, payments, { x: payments.x - 90, y: payments.y });
  const movedInventory = await centre(page.getByTestId("node-Inventory"));
  assert.ok(movedInventory.x < inventory.x - 60, "Inventory moved with Payments");
  // k fails them both.
  await page.keyboard.press("k");
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "killed");
  assert.equal(await page.getByTestId("node-Inventory").getAttribute("data-state"), "killed");
  // A rectangle around Users and Orders; copy and paste them.
  const users = await page.getByTestId("node-Users").boundingBox();
  const orders = await page.getByTestId("node-Orders").boundingBox();
  const stage = await page.locator("svg.topology").boundingBox();
  await page.keyboard.down("Shift");
  await drag(page, { x: users.x - 10, y: stage.y + 50 }, { x: orders.x + orders.width + 10, y: stage.y + stage.height - 60 });
  await page.keyboard.up("Shift");
  assert.match(await page.getByTestId("inspector-group").textContent(), /Users, Orders/);
  await page.keyboard.press("Control+c");
  await page.keyboard.press("Control+v");
  await page.getByTestId("node-Orders copy").waitFor();
  await page.getByTestId("node-Users copy").waitFor();
  assert.equal(await page.locator(".row-name.link-ends", { hasText: "Users copy\u00a0→\u00a0Orders copy" }).count(), 1, "the link between the copies came along");
  await page.screenshot({ path: join(screenshots, "group-pasted.png") });
  // Delete removes the pasted pair at once; undo brings it back.
  await page.keyboard.press("Delete");
  await eventually(async () => (await page.getByTestId("node-Orders copy").count()) === 0, 3000);
  assert.equal(await page.getByTestId("node-Users copy").count(), 0);
  await page.keyboard.press("Control+z");
  await page.getByTestId("node-Orders copy").waitFor();
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a 360 px phone: canvas text of at least 10 px, the story before the charts, a tap brings the inspector, a touch drag adds a node", async () => {
  const context = await shared.browser.newContext({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (error) => page.problems.push(String(error)));
  await page.goto(shared.server.url + "?autoplay=0");
  await page.getByTestId("node-Users").waitFor();
  // The canvas opens large enough to read, not shrunk to fit: 14 px text is drawn at 10 px or more.
  await eventually(async () => (await page.locator("svg.topology").evaluate((svg) => svg.getScreenCTM().a)) * 14 >= 10, 3000);
  const scale = await page.locator("svg.topology").evaluate((svg) => svg.getScreenCTM().a);
  assert.ok(scale * 14 >= 10, `canvas text at ${(scale * 14).toFixed(1)} px`);
  // The story comes before the charts.
  const story = await page.locator(".story").boundingBox();
  const charts = await page.locator(".charts").boundingBox();
  assert.ok(story.y < charts.y, "the story is above the charts");
  // A tap on a node brings its inspector into view.
  await page.getByTestId("node-Orders").tap();
  await page.getByTestId("inspector").waitFor();
  await eventually(async () => {
    const box = await page.getByTestId("inspector").boundingBox();
    return box && box.y >= -1 && box.y < 740;
  }, 3000);
  const inspector = await page.getByTestId("inspector").boundingBox();
  assert.ok(inspector.y >= -1 && inspector.y < 740, `the inspector is in view (at ${inspector.y})`);
  await page.screenshot({ path: join(screenshots, "phone-inspector.png") });
  // A touch drag from the palette adds a service where it is dropped.
  await page.evaluate(() => window.scrollTo(0, 0));
  const palette = await centre(page.getByTestId("palette-service"));
  const stage = await page.locator("svg.topology").boundingBox();
  const drop = { x: stage.x + stage.width * 0.5, y: stage.y + stage.height * 0.8 };
  const cdp = await context.newCDPSession(page);
  const touch = (type, point) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: point ? [{ x: point.x, y: point.y }] : [] });
  await touch("touchStart", palette);
  for (let step = 1; step <= 8; step++) {
    await touch("touchMove", { x: palette.x + ((drop.x - palette.x) * step) / 8, y: palette.y + ((drop.y - palette.y) * step) / 8 });
  }
  await touch("touchEnd", null);
  await page.getByTestId("node-Service 1").waitFor({ timeout: 3000 });
  const added = await centre(page.getByTestId("node-Service 1"));
  assert.ok(Math.abs(added.y - drop.y) < 40, `dropped where the finger lifted (${added.y} vs ${drop.y})`);
  await page.screenshot({ path: join(screenshots, "phone-360.png"), fullPage: false });
  assert.deepEqual(page.problems, []);
  await context.close();
});

test("two fingers pinch to zoom the canvas", async () => {
  const context = await shared.browser.newContext({ viewport: { width: 800, height: 700 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await page.goto(shared.server.url + "?autoplay=0");
  await page.getByTestId("node-Users").waitFor();
  const width = async () => Number((await page.locator("svg.topology").getAttribute("viewBox")).split(" ")[2]);
  const before = await width();
  const stage = await page.locator("svg.topology").boundingBox();
  const middle = { x: stage.x + stage.width / 2, y: stage.y + stage.height - 30 };
  const cdp = await context.newCDPSession(page);
  const fingers = (spread) => [
    { x: middle.x - spread, y: middle.y, id: 1 },
    { x: middle.x + spread, y: middle.y, id: 2 },
  ];
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: fingers(20) });
  for (let spread = 30; spread <= 120; spread += 10) {
    await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: fingers(spread) });
  }
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  const after = await width();
  assert.ok(after < before / 2, `fingers apart zoom in: the view went from ${before} to ${after} wide`);
  // Both fingers landing on a node at once: a pinch too, and the node stays where it was.
  await page.getByTestId("fit-view").tap();
  const fitted = await width();
  const orders = page.getByTestId("node-Orders");
  const placed = await orders.getAttribute("transform");
  const box = await orders.locator("rect").first().boundingBox();
  const on = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const onNode = (spread) => [
    { x: on.x - spread, y: on.y, id: 3 },
    { x: on.x + spread, y: on.y, id: 4 },
  ];
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: onNode(5) });
  for (let spread = 15; spread <= 105; spread += 10) {
    await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: onNode(spread) });
  }
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  assert.ok((await width()) < fitted / 2, "fingers apart on a node zoom in");
  assert.equal(await orders.getAttribute("transform"), placed, "and do not move the node");
  await context.close();
});

test("keys act on what was pressed or selected last: a focused node does not steal a rectangle selection or a click", async () => {
  const page = await openPlayground();
  await pause(page);
  // Focus Users from the keyboard, then select Payments and Inventory with a Shift rectangle.
  await page.locator("[data-node='Users']").focus();
  const payments = await page.getByTestId("node-Payments").boundingBox();
  const inventory = await page.getByTestId("node-Inventory").boundingBox();
  await page.keyboard.down("Shift");
  await drag(page, { x: payments.x - 15, y: payments.y - 15 }, { x: inventory.x + inventory.width + 15, y: inventory.y + inventory.height + 15 });
  await page.keyboard.up("Shift");
  await page.keyboard.press("k");
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "killed", "the rectangle's nodes, not the focused one");
  assert.equal(await page.getByTestId("node-Inventory").getAttribute("data-state"), "killed");
  // Focus Inventory from the keyboard, then click Orders: k acts on Orders.
  await page.locator("[data-node='Inventory']").focus();
  await page.getByTestId("node-Orders").click();
  await page.keyboard.press("k");
  assert.equal(await page.getByTestId("node-Orders").getAttribute("data-state"), "killed", "the clicked node");
  assert.equal(await page.getByTestId("node-Inventory").getAttribute("data-state"), "killed", "Inventory untouched (still killed)");
  await page.close();
});
