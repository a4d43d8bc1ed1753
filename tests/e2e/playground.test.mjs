// End-to-end: the built site in headless Chromium, driven with real clicks, the way a person
// would use it. Screenshots go to target/screenshots/.
import { test } from "node:test";
import assert from "node:assert/strict";

import { join } from "node:path";
import { openPage, numberOf, fractionOf, eventually, centre, drag, clockSeconds, suite, screenshots } from "./harness.mjs";


const shared = suite();

async function openPlayground() {
  const page = await openPage(shared.browser, shared.server.url);
  await page.getByTestId("node-Orders").waitFor();
  return page;
}

async function setSpeed(page, speed) {
  await page.getByTestId("speed").selectOption(String(speed));
}

test("the page loads, hides the loading message and shows the checkout topology without console errors", async () => {
  const page = await openPlayground();
  assert.equal(await page.locator("#loading").count(), 0, "loading indicator is gone");
  for (const name of ["Users", "Orders", "Payments", "Inventory"]) {
    assert.equal(await page.getByTestId(`node-${name}`).getAttribute("data-state"), "up");
  }
  await page.waitForTimeout(500);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("if the WebAssembly module cannot load, the loading message turns into an error", async () => {
  const context = await shared.browser.newContext();
  const page = await context.newPage();
  await page.route("**/*.wasm", (route) => route.fulfill({ status: 404, body: "gone" }));
  await page.goto(shared.server.url);
  const loading = page.locator("#loading");
  await page.waitForFunction(() => document.getElementById("loading")?.className === "error");
  assert.match(await loading.textContent(), /^Cascade could not start: /);
  await context.close();
});

test("messages move: the delivered count rises over two seconds", async () => {
  const page = await openPlayground();
  const first = await numberOf(page, "delivered");
  await page.waitForTimeout(2000);
  const second = await numberOf(page, "delivered");
  assert.ok(second > first, `delivered went from ${first} to ${second}`);
  const dotsDrawn = await page.evaluate(() => {
    const canvas = document.querySelector("canvas.dots");
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    return painted;
  });
  assert.ok(dotsDrawn > 0, "the dot layer has something drawn on it");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("killing a sync dependency: its state changes, the caller runs out of threads, errors climb", async () => {
  const page = await openPlayground();
  await setSpeed(page, 5);
  await page.waitForTimeout(1000);
  const errorsBefore = await numberOf(page, "errors");
  await page.getByTestId("kill-Payments").click();
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "killed");
  assert.equal(await page.getByTestId("kill-Payments").textContent(), "Revive");
  const exhausted = await eventually(async () => {
    const [busy, workers] = await fractionOf(page, "busy-Orders");
    return busy === workers;
  });
  assert.ok(exhausted, "Orders' worker threads all become busy");
  const errorsClimb = await eventually(async () => (await numberOf(page, "errors")) > errorsBefore + 20);
  assert.ok(errorsClimb, "users see errors");
  assert.match(await page.getByTestId("errors-by-reason").textContent(), /5xx server error \d+|timeout \d+/, "by reason");
  await page.screenshot({ path: join(screenshots, "sync-payments-killed.png") });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("the same outage behind a queue: the caller stays healthy, the queue grows, then drains on revive", async () => {
  const page = await openPlayground();
  await setSpeed(page, 5);
  await page.getByTestId("link-1-kind").click();
  assert.equal(await page.getByTestId("link-1-kind").textContent(), "async");
  await page.getByTestId("kill-Payments").click();
  const errorsAtKill = await numberOf(page, "errors");
  const backlog = await eventually(async () => (await numberOf(page, "queue-depth-1")) >= 100);
  assert.ok(backlog, "the Payments queue absorbs the work");
  const [busy, workers] = await fractionOf(page, "busy-Orders");
  assert.ok(busy < workers / 2, `Orders stays healthy: ${busy}/${workers} threads busy`);
  assert.equal(await numberOf(page, "errors"), errorsAtKill, "users see no new errors");
  await page.screenshot({ path: join(screenshots, "async-payments-killed.png") });
  await page.getByTestId("kill-Payments").click();
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "up");
  const drained = await eventually(async () => (await numberOf(page, "queue-depth-1")) < 5, 20000);
  assert.ok(drained, "the backlog drains after revive");
  await page.screenshot({ path: join(screenshots, "async-payments-revived.png") });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a clicked link on the canvas switches kind, and space pauses the clock", async () => {
  const page = await openPlayground();
  // Paused at time zero nothing is on the wire, so the click lands on the line, not a message.
  await page.getByTestId("play").click();
  await page.getByTestId("reset").click();
  const link = page.getByTestId("link-2");
  const box = await link.boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  assert.equal(await page.getByTestId("link-2-kind").textContent(), "async");
  await page.getByTestId("play").click();
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  await page.keyboard.press("Space");
  const paused = await page.getByTestId("clock").textContent();
  await page.waitForTimeout(600);
  assert.equal(await page.getByTestId("clock").textContent(), paused, "time stands still while paused");
  assert.equal(await page.getByTestId("play").textContent(), "Play");
  await page.close();
});

// Each preset at the moment that makes its point, run at 10x, with no console errors.
const tellingMoments = {
  checkout: 4,
  "frozen-dependency": 12,
  "retry-storm": 16,
  "retry-storm-contained": 16,
  collapse: 30,
  "collapse-protected": 30,
  "checkout-async": 12,
  "poison-message": 25,
  "broker-down": 9,
};


test("every preset runs to its telling moment without console errors", async () => {
  const page = await openPlayground();
  for (const [preset, seconds] of Object.entries(tellingMoments)) {
    await page.getByTestId("preset").selectOption(preset);
    assert.ok((await clockSeconds(page)) < 1, `${preset} starts from zero`);
    await setSpeed(page, 10);
    const reached = await eventually(async () => (await clockSeconds(page)) >= seconds, 30000);
    assert.ok(reached, `${preset} reaches ${seconds} s`);
    await page.getByTestId("play").click();
    await page.screenshot({ path: join(screenshots, `preset-${preset}.png`) });
    if (!["checkout", "retry-storm", "collapse", "collapse-protected"].includes(preset)) {
      assert.ok((await page.getByTestId("log").locator("li").count()) > 0, `${preset} logs what happened`);
    }
    await page.getByTestId("play").click();
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a dead-letter count, a hung service and a storm show up where a person looks", async () => {
  const page = await openPlayground();
  await page.getByTestId("preset").selectOption("poison-message");
  await setSpeed(page, 10);
  const dead = await eventually(async () => {
    const text = await page.getByTestId("link-1").locator(".queue .small").textContent();
    return Number.parseInt(text.replace(/.*DLQ /, ""), 10) > 0;
  }, 30000);
  assert.ok(dead, "the queue box shows dead letters");
  assert.match(await page.getByTestId("log").textContent(), /dead-lettered from Payments\.queue after 6 deliveries \(delivery limit reached\)/);

  await page.getByTestId("preset").selectOption("frozen-dependency");
  await setSpeed(page, 10);
  const frozen = await eventually(async () => (await page.getByTestId("node-Payments").getAttribute("data-state")) === "frozen", 20000);
  assert.ok(frozen, "Payments is drawn as frozen");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("contention: after a short spike the server stays collapsed, unless the callers back off; the knob is in the inspector", async () => {
  const page = await openPlayground();
  const inProgress = async () => (await fractionOf(page, "busy-Server"))[0];
  await page.getByTestId("preset").selectOption("collapse");
  await setSpeed(page, 10);
  assert.ok(await eventually(async () => (await clockSeconds(page)) >= 30, 30000), "reaches 30 s");
  await page.getByTestId("play").click();
  await page.screenshot({ path: join(screenshots, "collapse-after-the-spike.png") });
  const collapsed = await inProgress();
  assert.ok(collapsed > 500, `15 s after the spike ${collapsed} requests are still in progress`);

  const server = await centre(page.getByTestId("node-Server"));
  await page.mouse.click(server.x - 30, server.y);
  await page.getByTestId("inspector").waitFor();
  assert.equal(await page.getByTestId("knob-contention").inputValue(), "10", "1 s + 10 ms per request in progress");

  await page.getByTestId("preset").selectOption("collapse-protected");
  await page.getByTestId("play").click();
  await setSpeed(page, 10);
  assert.ok(await eventually(async () => (await clockSeconds(page)) >= 30, 30000), "reaches 30 s");
  await page.getByTestId("play").click();
  await page.screenshot({ path: join(screenshots, "collapse-protected-after-the-spike.png") });
  const recovered = await inProgress();
  assert.ok(recovered < 200, `with backoff and a budget only ${recovered} are in progress`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("compare: the same outage on an all-sync and an async copy, side by side", async () => {
  const page = await openPlayground();
  await page.getByTestId("compare").click();
  const sync = page.getByTestId("compare-sync");
  const async = page.getByTestId("compare-async");
  await async.waitFor();
  await setSpeed(page, 5);
  await page.waitForTimeout(600);
  await page.getByTestId("kill-Payments").click();
  assert.equal(await sync.getByTestId("node-Payments").getAttribute("data-state"), "killed");
  assert.equal(await async.getByTestId("node-Payments").getAttribute("data-state"), "killed", "the fault hits both sides");
  const cascaded = await eventually(async () => (await numberOf(page, "compare-sync-errors")) > 20);
  assert.ok(cascaded, "the sync side's users see errors");
  assert.equal(await numberOf(page, "compare-async-errors"), 0, "the async side's users see none");
  await page.screenshot({ path: join(screenshots, "compare-payments-killed.png") });
  await page.getByTestId("link-1-kind").click();
  assert.match(await page.getByTestId("message").textContent(), /while comparing/);
  await page.getByTestId("compare").click();
  assert.equal(await page.getByTestId("compare-view").count(), 0, "closed");
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "up", "back to the scenario as it was");
  assert.deepEqual(page.problems, []);
  await page.close();
});

/** The centre of an element on screen. */

/** A real pointer drag from one screen point to another, in steps. */

test("build by hand: drag a service from the palette, connect it, flip it, move, undo, and reload", async () => {
  const page = await openPlayground();
  await page.getByTestId("play").click();
  const stage = await page.locator("svg.topology").boundingBox();
  // Drop a new service in the empty lower-middle of the canvas.
  const drop = { x: stage.x + stage.width * 0.45, y: stage.y + stage.height * 0.85 };
  await drag(page, await centre(page.getByTestId("palette-service")), drop);
  const added = page.getByTestId("node-Service 1");
  await added.waitFor();
  const addedAt = await centre(added);
  assert.ok(Math.abs(addedAt.x - drop.x) < 20 && Math.abs(addedAt.y - drop.y) < 20, "it lands where it was dropped");

  // Connect Orders to it by dragging from Orders' handle.
  await drag(page, await centre(page.getByTestId("connect-Orders")), await centre(added));
  await page.getByTestId("link-3-kind").waitFor();
  assert.equal(await page.getByTestId("link-3-kind").textContent(), "sync");
  // Click the middle of the new link's line, between the two boxes.
  const from = await centre(page.getByTestId("node-Orders"));
  const to = await centre(added);
  await page.mouse.click((from.x + to.x) / 2, (from.y + to.y) / 2);
  assert.equal(await page.getByTestId("link-3-kind").textContent(), "async", "one click on the link flips it");

  // Move Inventory up by dragging it.
  const before = await centre(page.getByTestId("node-Inventory"));
  await drag(page, before, { x: before.x - 60, y: before.y - 40 });
  const after = await centre(page.getByTestId("node-Inventory"));
  assert.ok(after.y < before.y - 20 && after.x < before.x - 30, "Inventory moved");

  // Undo the move with the keyboard; the new service and its link stay.
  await page.keyboard.press("Control+z");
  const undone = await centre(page.getByTestId("node-Inventory"));
  assert.ok(Math.abs(undone.y - before.y) < 12, "undo puts it back");
  await page.keyboard.press("Control+Shift+z");
  assert.ok((await centre(page.getByTestId("node-Inventory"))).y < before.y - 20, "redo moves it again");

  // Reload: the autosaved scenario comes back intact.
  await page.reload();
  await page.getByTestId("node-Service 1").waitFor();
  assert.equal(await page.getByTestId("link-3-kind").textContent(), "async");
  assert.deepEqual(page.problems, []);
  await page.screenshot({ path: join(screenshots, "edited-topology.png") });
  await page.close();
});

test("the inspector changes knobs live, names render as text, and Delete removes a node", async () => {
  const page = await openPlayground();
  const orders = await centre(page.getByTestId("node-Orders"));
  await page.mouse.click(orders.x - 30, orders.y);
  await page.getByTestId("inspector").waitFor();
  await page.getByTestId("knob-workers").fill("60");
  await page.getByTestId("knob-workers").blur();
  const raised = await eventually(async () => (await fractionOf(page, "busy-Orders"))[1] === 60);
  assert.ok(raised, "Orders now has 60 threads, without a restart");
  assert.ok((await page.getByTestId("clock").textContent()) !== "t = 0.0 s");

  const hostile = '<img src=x onerror="window.__pwned=1">';
  await page.getByTestId("inspector-name").fill(hostile);
  await page.getByTestId("inspector-name").blur();
  const renamed = page.getByTestId(`node-${hostile}`);
  await renamed.waitFor();
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "no script ran");
  assert.equal(await page.locator("svg img").count(), 0, "the name is text, not markup");

  // A fault given by hand, then a change that restarts the run: undo brings that run back.
  await page.getByTestId("kill-Payments").click();
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "killed");
  await page.locator("body").click({ position: { x: 3, y: 3 } });
  await page.mouse.click(orders.x - 30, orders.y);
  const before = await clockSeconds(page);
  await page.keyboard.press("Delete");
  assert.equal(await renamed.count(), 0, "Delete removed the selected service");
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "up", "a new run");
  await page.keyboard.press("Control+z");
  await renamed.waitFor();
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "killed", "the killed Payments is back");
  assert.ok((await clockSeconds(page)) >= before, "at the moment the run had reached");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a 360 px wide phone gets the whole playground without sideways scrolling", async () => {
  const page = await openPage(shared.browser, shared.server.url, { width: 360, height: 740 });
  await page.getByTestId("node-Orders").waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no horizontal overflow (${overflow} px)`);
  const stage = await page.locator("section.stage").boundingBox();
  assert.ok(stage.width > 300 && stage.x >= 0, "the canvas fills the width");
  await page.getByTestId("kill-Payments").click();
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "killed");
  await page.screenshot({ path: join(screenshots, "phone-360.png"), fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("keyboard faults act on the selected service, and the charts follow the selection", async () => {
  const page = await openPlayground();
  const payments = await centre(page.getByTestId("node-Payments"));
  await page.mouse.click(payments.x - 30, payments.y);
  await page.getByTestId("chart-Payments: busy threads").waitFor();
  await page.keyboard.press("k");
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "killed");
  await page.keyboard.press("k");
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "up");
  await page.keyboard.press("f");
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "frozen");
  await page.keyboard.press("Escape");
  await page.getByTestId("chart-queued messages").waitFor();
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a dead letter in the log opens its request's whole path; a click on a dot does too", async () => {
  const page = await openPlayground();
  await page.getByTestId("preset").selectOption("poison-message");
  await setSpeed(page, 10);
  await page.getByTestId("log-request").first().waitFor({ timeout: 30000 });
  await page.getByTestId("log-request").first().click();
  const path = page.getByTestId("request-path");
  await path.waitFor();
  const text = await path.textContent();
  // A delivery limit of 5 redeliveries (RabbitMQ counting) is 6 deliveries.
  assert.equal((text.match(/delivered to Payments/g) ?? []).length, 6, text);
  assert.match(text, /dead-lettered from Payments\.queue/);
  await path.getByRole("button", { name: "Close" }).click();
  assert.equal(await path.count(), 0);

  // Pause, find the dot nearest the middle of the Users → Orders line (away from the boxes),
  // and click it.
  await page.getByTestId("play").click();
  const users = await centre(page.getByTestId("node-Users"));
  const orders = await centre(page.getByTestId("node-Orders"));
  const middle = { x: (users.x + orders.x) / 2, y: (users.y + orders.y) / 2 };
  const findDot = (target) => page.evaluate((target) => {
    const canvas = document.querySelector("canvas.dots");
    const { width, height } = canvas;
    const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
    const rect = canvas.getBoundingClientRect();
    let best = null;
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        if (pixels[(y * width + x) * 4 + 3] < 200) continue;
        const point = { x: rect.left + (x / width) * rect.width, y: rect.top + (y / height) * rect.height };
        const distance = Math.hypot(point.x - target.x, point.y - target.y);
        if (distance < 60 && (!best || distance < best.distance)) best = { ...point, distance };
      }
    }
    return best;
  }, target);
  // Step 100 ms at a time until a message is near the middle of that line.
  let hit = await findDot(middle);
  for (let tries = 0; !hit && tries < 30; tries++) {
    await page.getByTestId("step").click();
    await page.waitForTimeout(150);
    hit = await findDot(middle);
  }
  assert.ok(hit, "some message is on the wire");
  await page.mouse.click(hit.x, hit.y);
  await path.waitFor();
  assert.match(await path.textContent(), /sends the request/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a queue dropped on a link makes it async; shift-connect goes through a queue; the breaker shows its state; the log filters", async () => {
  const page = await openPlayground();
  await page.getByTestId("play").click();
  await page.getByTestId("reset").click();
  const orders = await centre(page.getByTestId("node-Orders"));
  const inventory = await centre(page.getByTestId("node-Inventory"));
  const onLink = { x: (orders.x + inventory.x) / 2, y: (orders.y + inventory.y) / 2 };
  await drag(page, await centre(page.getByTestId("palette-queue")), onLink);
  assert.equal(await page.getByTestId("link-2-kind").textContent(), "async", "the dropped queue made the link async");
  // Shift held while drawing a link from Users' handle to Inventory: the link goes through a queue.
  await page.keyboard.down("Shift");
  await drag(page, await centre(page.getByTestId("connect-Users")), await centre(page.getByTestId("node-Inventory")));
  await page.keyboard.up("Shift");
  await page.getByTestId("link-3-kind").waitFor();
  assert.equal(await page.getByTestId("link-3-kind").textContent(), "async", "shift-connect made an async link");

  await page.getByTestId("preset").selectOption("retry-storm-contained");
  await setSpeed(page, 10);
  await page.getByTestId("play").click();
  const opened = await eventually(async () => /open/.test((await page.getByTestId("breaker-1").textContent()) ?? ""), 30000);
  assert.ok(opened, "the breaker on API → Database is drawn open during the storm");
  await page.getByTestId("log-filter").selectOption("problems");
  const entries = await page.getByTestId("log").locator("li").allTextContents();
  assert.ok(entries.length > 0 && entries.every((text) => !/is closed/.test(text)), "problems only");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("an impossible edit explains itself next to the inspector and changes nothing", async () => {
  const page = await openPlayground();
  const payments = await centre(page.getByTestId("node-Payments"));
  await page.mouse.click(payments.x - 30, payments.y);
  await page.getByTestId("inspector-name").fill("Inventory");
  await page.getByTestId("inspector-name").blur();
  await page.getByTestId("inspector-message").waitFor();
  assert.match(await page.getByTestId("inspector-message").textContent(), /unique/);
  assert.equal(await page.getByTestId("node-Payments").count(), 1, "Payments keeps its name");
  assert.equal(await page.getByTestId("inspector-name").inputValue(), "Payments", "and the field shows the name it kept");
  assert.doesNotMatch(await page.getByTestId("inspector-message").textContent(), /services\[/, "said in words, without the file's path");
  // A knob typed below its minimum shows the value that holds.
  const workers = page.getByTestId("knob-workers");
  await workers.fill("1");
  await workers.blur();
  await workers.fill("-5");
  await workers.blur();
  assert.equal(await workers.inputValue(), "1", "the field shows what holds, not the typing");
  // Connecting Payments back to Orders would make a cycle: refused with a reason.
  await drag(page, await centre(page.getByTestId("connect-Payments")), await centre(page.getByTestId("node-Orders")));
  assert.match(await page.getByTestId("message").textContent(), /cycle/);
  assert.equal(await page.getByTestId("link-3-kind").count(), 0, "no link was added");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("with prefers-reduced-motion the dots give way to counts on each link", async () => {
  const context = await shared.browser.newContext({ reducedMotion: "reduce", viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(String(error)));
  await page.goto(shared.server.url);
  await page.getByTestId("in-flight-0").waitFor();
  const counted = await eventually(async () => /\d+ on the wire/.test(await page.getByTestId("in-flight-0").textContent()));
  assert.ok(counted, "each link says how many messages are on it");
  const painted = await page.evaluate(() => {
    const canvas = document.querySelector("canvas.dots");
    if (!canvas.width || !canvas.height) return 0;
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) count++;
    return count;
  });
  assert.equal(painted, 0, "nothing moves");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a topology too big for this machine in real time plays in slow motion, said next to the clock, with the page still drawing", async () => {
  // The large topology asked to run 100 times faster than real time: ~100 M events per
  // second, far more than any browser handles in a frame's budget.
  const page = await openPage(shared.browser, `${shared.server.url}?preset=large&speed=100`);
  await page.locator("svg.topology g.node").first().waitFor();
  const slowed = page.getByTestId("slowed");
  await slowed.waitFor({ timeout: 15000 });
  assert.match(await slowed.textContent(), /^ slow motion: 0\.\d+x$/);
  const framesBefore = await page.locator("canvas.dots").evaluate((canvas) => Number(canvas.dataset.frames));
  const clockBefore = await clockSeconds(page);
  await page.waitForTimeout(1000);
  const framesAfter = await page.locator("canvas.dots").evaluate((canvas) => Number(canvas.dataset.frames));
  // The page keeps drawing frames (each does a bounded share of the work) and time moves on.
  assert.ok(framesAfter - framesBefore >= 10, `${framesAfter - framesBefore} frames in a second`);
  assert.ok((await clockSeconds(page)) > clockBefore, "simulated time moves on");
  await page.screenshot({ path: join(screenshots, "slow-motion.png") });
  // Paused, there is nothing to say; a small topology at 1x keeps up.
  await page.keyboard.press("Space");
  await eventually(async () => assert.equal(await slowed.count(), 0));
  await page.goto(`${shared.server.url}?preset=checkout&speed=1`);
  await page.getByTestId("node-Orders").waitFor();
  await page.waitForTimeout(2000);
  assert.equal(await page.getByTestId("slowed").count(), 0);
  assert.deepEqual(page.problems, []);
  await page.close();
});
