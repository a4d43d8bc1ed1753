// End-to-end: share links, files in and out, embeds, the example blog post, and hosting from a
// sub-path with no request leaving the page. Real clicks and key presses against the built dist/.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import { serve, openPage, numberOf, fractionOf, eventually, root, clockSeconds, suite, screenshots } from "./harness.mjs";

const scratch = join(root, "target", "e2e-files");
const cli = process.env.CASCADE_CLI ?? join(root, "target", "debug", "cascade");
const run = promisify(execFile);

const shared = suite();
before(() => mkdir(scratch, { recursive: true }));

/** Seconds on the clock (`t = 12.3 s`) of a page or frame. */
/** Records every gap between animation frames, from the first script on, in `window.__gaps`:
 *  work done in one go (a replay, a stuck instant) would show up as one long gap. */
async function recordFrameGaps(context) {
  await context.addInitScript(() => {
    window.__gaps = [];
    let last = performance.now();
    const tick = (now) => {
      window.__gaps.push(now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Packs `state` into a link by hand (zlib + base64url: the format is simple enough for anyone
 *  to write) and opens it in a fresh context that records frame gaps and page errors. */
async function openHandMadeLink(state) {
  const { deflateSync } = await import("node:zlib");
  const payload = deflateSync(Buffer.from(JSON.stringify(state))).toString("base64url");
  const context = await shared.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await recordFrameGaps(context);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(String(error)));
  await page.goto(`${shared.server.url}#share=1.${payload}`);
  return { context, page, problems, payload };
}


/** Every node's test id, in order. */
async function nodeIds(page) {
  return page.locator("svg.topology [data-testid^='node-']").evaluateAll((nodes) => nodes.map((n) => n.dataset.testid));
}

async function download(page, testId) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId(testId).click()]);
  const path = join(scratch, file.suggestedFilename());
  await file.saveAs(path);
  return { name: file.suggestedFilename(), path };
}

test("a shared link of a modified run opens in a fresh browser with the same topology, seed, knobs and moment", async () => {
  const page = await openPage(shared.browser, shared.server.url);
  await page.getByTestId("node-Orders").waitFor();
  await page.getByTestId("seed").fill("7");
  await page.getByTestId("seed").press("Enter");
  // A knob changed in the inspector, a link switched, a service killed by hand.
  const box = await page.getByTestId("node-Inventory").boundingBox();
  await page.mouse.click(box.x + 20, box.y + box.height / 2);
  await page.getByTestId("knob-workers").fill("13");
  await page.getByTestId("knob-workers").blur();
  await eventually(async () => (await fractionOf(page, "busy-Inventory"))[1] === 13);
  await page.getByTestId("link-1-kind").click();
  await page.waitForTimeout(700);
  await page.getByTestId("kill-Payments").click();
  await page.waitForTimeout(700);
  await page.keyboard.press("Escape");
  await page.getByTestId("play").click(); // pause, so both sides show the same instant
  const before = {
    nodes: await nodeIds(page),
    clock: await page.getByTestId("clock").textContent(),
    delivered: await numberOf(page, "delivered"),
    errors: await numberOf(page, "errors"),
    kinds: await page.locator("[data-testid$='-kind']").allTextContents(),
    busy: await page.getByTestId("busy-Orders").textContent(),
  };
  await page.getByTestId("share").click();
  const link = await page.getByTestId("share-link").inputValue();
  await page.getByTestId("copy-link").click();
  assert.match(await page.getByTestId("copied").textContent(), /Copied|select the text/);
  assert.ok(link.startsWith(shared.server.url + "#share=1."), link);
  assert.ok(link.length < 2000, `the link is ${link.length} characters`);
  assert.equal(await page.evaluate(() => location.hash), link.slice(link.indexOf("#")), "the address bar holds it too");
  await page.screenshot({ path: join(screenshots, "share-panel.png") });
  // A change takes the link out of the address (a reload then brings back your own work);
  // pasting the link into the same tab opens it again.
  await page.getByTestId("kill-Inventory").click();
  assert.equal(await page.evaluate(() => location.hash), "", "a change drops the fragment");
  assert.equal(await page.getByTestId("share-panel").count(), 0, "and closes the panel");
  await page.evaluate((hash) => (location.hash = hash), link.slice(link.indexOf("#")));
  assert.ok(
    await eventually(async () => (await page.getByTestId("node-Inventory").getAttribute("data-state")) === "up"),
    "the pasted link replaced the run",
  );
  assert.equal(await page.getByTestId("clock").textContent(), before.clock);
  assert.equal(await numberOf(page, "delivered"), before.delivered);

  // A different person: a new browser context, no storage, only the link.
  const fresh = await openPage(shared.browser, link);
  await fresh.getByTestId("node-Orders").waitFor();
  assert.deepEqual(await nodeIds(fresh), before.nodes);
  assert.equal(await fresh.getByTestId("seed").inputValue(), "7");
  assert.equal(await fresh.getByTestId("clock").textContent(), before.clock, "the same moment");
  assert.equal(await numberOf(fresh, "delivered"), before.delivered, "the same run, exactly");
  assert.equal(await numberOf(fresh, "errors"), before.errors);
  assert.equal(await fresh.getByTestId("busy-Orders").textContent(), before.busy);
  assert.deepEqual(await fresh.locator("[data-testid$='-kind']").allTextContents(), before.kinds);
  assert.equal(await fresh.getByTestId("node-Payments").getAttribute("data-state"), "killed");
  assert.equal((await fractionOf(fresh, "busy-Inventory"))[1], 13, "the knob came along");
  assert.equal(await fresh.getByTestId("play").textContent(), "Play", "paused, as shared");
  assert.deepEqual(fresh.problems, []);
  await fresh.context().close();
  await page.context().close();
});

test("a corrupted, cut or future link says what is wrong and leaves the current scenario alone", async () => {
  const page = await openPage(shared.browser, shared.server.url);
  await page.getByTestId("node-Orders").waitFor();
  await page.getByTestId("preset").selectOption("retry-storm");
  await page.getByTestId("node-Database").waitFor();
  await page.getByTestId("share").click();
  const link = await page.getByTestId("share-link").inputValue();
  const fragment = link.slice(link.indexOf("#"));

  const middle = Math.floor(fragment.length / 2);
  const tampered = fragment.slice(0, middle) + (fragment[middle] === "A" ? "B" : "A") + fragment.slice(middle + 1);
  const cases = [
    [tampered, /damaged|changed|not hold a valid/],
    [fragment.slice(0, fragment.length - 30), /cut off/],
    [fragment + "!", /changed: character/],
    ["#share=7." + fragment.slice(9), /newer version of Cascade/],
  ];
  // Pasted into the same tab (only the fragment changes).
  await page.getByTestId("preset").selectOption("checkout-async");
  await page.getByTestId("node-Payments").waitFor();
  for (const [bad, message] of cases) {
    await page.evaluate((hash) => (location.hash = hash), bad);
    const shown = await eventually(async () => {
      const text = (await page.getByTestId("message").count()) ? await page.getByTestId("message").textContent() : "";
      return message.test(text) && text;
    });
    assert.match(shown || "(no message)", message);
    assert.match(await page.locator(".story h2").textContent(), /same chain, made async/, "the scenario stays");
  }
  await page.screenshot({ path: join(screenshots, "share-corrupted.png") });

  // Opened fresh in the same browser: the message, and the autosaved scenario as it was.
  const again = await page.context().newPage();
  again.problems = [];
  again.on("pageerror", (error) => again.problems.push(String(error)));
  await again.goto(shared.server.url + cases[1][0]);
  await again.getByTestId("message").waitFor();
  assert.match(await again.getByTestId("message").textContent(), /cut off/);
  assert.match(await again.locator(".story h2").textContent(), /same chain, made async/);
  assert.deepEqual(again.problems, []);
  await page.context().close();
});

test("names from a link or a file are text: a service called <img onerror> runs nothing", async () => {
  const hostile = '<img src=x onerror="window.__pwned=1">';
  const scenario = JSON.parse((await run(cli, ["presets", "checkout"])).stdout);
  scenario.name = `</title><script>window.__pwned=2</script>`;
  scenario.services[0].name = hostile;
  for (const link of scenario.links) {
    if (link.from === "Orders") link.from = hostile;
    if (link.to === "Orders") link.to = hostile;
  }
  const file = join(scratch, "hostile.json");
  await writeFile(file, JSON.stringify(scenario));
  const page = await openPage(shared.browser, shared.server.url);
  await page.getByTestId("node-Orders").waitFor();
  await page.getByTestId("import").setInputFiles(file);
  await page.getByTestId(`node-${hostile}`).waitFor();
  assert.equal(await page.locator("svg img, .panel img").count(), 0);
  assert.equal(await page.locator(".story h2").textContent(), scenario.name, "shown as the characters it is");

  // Through a link, and into an embed snippet.
  await page.getByTestId("share").click();
  const link = await page.getByTestId("share-link").inputValue();
  await page.getByTestId("embed").click();
  const snippet = await page.getByTestId("embed-snippet").inputValue();
  assert.ok(!snippet.includes("<script>") && snippet.includes("&lt;/title&gt;&lt;script&gt;"), snippet);
  const fresh = await openPage(shared.browser, link);
  await fresh.getByTestId(`node-${hostile}`).waitFor();
  assert.equal(await fresh.locator("img").count(), 0);
  assert.equal(await fresh.evaluate(() => window.__pwned), undefined, "no script ran");
  assert.equal(await page.evaluate(() => window.__pwned), undefined, "no script ran");
  await fresh.context().close();
  await page.context().close();
});

test("export and import: the scenario JSON round-trips and runs in the CLI, the CLI's file opens here, PNG and CSV", async () => {
  const page = await openPage(shared.browser, shared.server.url);
  await page.getByTestId("node-Orders").waitFor();
  await page.getByTestId("preset").selectOption("poison-message");
  await page.getByTestId("link-1-kind").waitFor();
  await page.getByTestId("speed").selectOption("2");
  await page.waitForTimeout(2000);
  const csv = await download(page, "export-csv");
  const lines = (await readFile(csv.path, "utf8")).trim().split("\n");
  assert.match(lines[0], /^time_s,started,succeeded,failed,/);
  assert.ok(lines.length > 3, "a row per 250 ms sample");
  assert.equal(lines[1].split(",").length, lines[0].split(",").length);

  const png = await download(page, "export-png");
  const bytes = await readFile(png.path);
  assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], "a PNG");
  assert.ok(bytes.readUInt32BE(16) >= 1000, "at least the canvas's width");
  assert.ok(bytes.length > 10_000, "with something drawn on it");
  await writeFile(join(screenshots, "exported-canvas.png"), bytes);

  const json = await download(page, "export-json");
  assert.match(json.name, /^cascade-.*\.json$/);
  const exported = JSON.parse(await readFile(json.path, "utf8"));
  assert.equal(exported.name, "A poison message lands in the dead-letter queue");
  // The browser's file runs in the CLI, and matches the CLI's own copy of the preset.
  const fromCli = JSON.parse((await run(cli, ["presets", "poison-message"])).stdout);
  assert.deepEqual(exported, fromCli);
  const report = JSON.parse((await run(cli, ["run", json.path, "--duration", "5s", "--format", "json"])).stdout);
  assert.equal(report.scenario, exported.name, "the CLI ran the exported file");
  assert.equal(report.duration_us, 5_000_000);
  assert.ok(report.end_to_end.succeeded > 0, "and requests went through");

  // The CLI's file opens in the shared.browser.
  const cliFile = join(scratch, "from-cli.json");
  await writeFile(cliFile, (await run(cli, ["presets", "broker-down"])).stdout);
  await page.getByTestId("import").setInputFiles(cliFile);
  await eventually(async () => /broker dies/.test(await page.locator(".story h2").textContent()));
  assert.match(await page.locator(".story h2").textContent(), /When the broker dies/);

  // Bad files: a message, and the scenario stays.
  for (const [name, body, message] of [
    ["future.json", JSON.stringify({ ...fromCli, version: 2 }), /version: this build reads version 1, the file says 2/],
    ["broken.json", '{"services": [{"name": "A", "workers": 0}]}', /services\[0\]\.workers: must be at least 1/],
    ["not-json.json", "hello", /expected value/],
  ]) {
    const path = join(scratch, name);
    await writeFile(path, body);
    await page.getByTestId("import").setInputFiles(path);
    await page.getByTestId("message").waitFor();
    assert.match(await page.getByTestId("message").textContent(), message);
    assert.match(await page.getByTestId("message").textContent(), new RegExp(name.replace(".", "\\.")));
    assert.match(await page.locator(".story h2").textContent(), /When the broker dies/);
  }

  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("embed parameters: controls, autoplay, readonly, theme, preset and shared state", async () => {
  const embed = (query) => openPage(shared.browser, `${shared.server.url}?embed=1&${query}`, { width: 640, height: 400 });

  const none = await embed("preset=retry-storm&controls=none");
  await none.getByTestId("node-Database").waitFor();
  assert.equal(await none.locator(".embed-bar").count(), 0, "controls=none: the canvas only");
  assert.equal(await none.getByTestId("palette-service").count(), 0, "no editing palette in an embed");
  await none.screenshot({ path: join(screenshots, "embed-none.png") });
  await none.context().close();

  const minimal = await embed("preset=frozen-dependency");
  await minimal.getByTestId("node-Payments").waitFor();
  assert.equal(await minimal.getByTestId("speed").count(), 0, "minimal: no speed");
  assert.equal(await minimal.getByTestId("kill-Payments").count(), 0, "minimal: no fault buttons");
  assert.ok(await eventually(async () => (await clockSeconds(minimal)) > 0.5), "autoplay by default");
  assert.match(await minimal.getByTestId("embed-caption").textContent(), /hung dependency/);
  await minimal.getByTestId("play").click();
  const paused = await clockSeconds(minimal);
  await minimal.waitForTimeout(500);
  assert.equal(await clockSeconds(minimal), paused, "the pause button pauses");
  await minimal.context().close();

  const full = await embed("preset=checkout&controls=full&autoplay=0&theme=dark");
  await full.getByTestId("node-Payments").waitFor();
  await full.waitForTimeout(600);
  assert.equal(await clockSeconds(full), 0, "autoplay=0 waits for play");
  assert.equal(await full.evaluate(() => document.documentElement.dataset.theme), "dark");
  const background = await full.evaluate(() => getComputedStyle(document.querySelector(".embed")).backgroundColor);
  assert.equal(background, "rgb(27, 32, 41)", "the dark surface");
  await full.getByTestId("play").click();
  await full.getByTestId("kill-Payments").click();
  assert.equal(await full.getByTestId("node-Payments").getAttribute("data-state"), "killed", "full: faults");
  assert.equal(await full.evaluate(() => localStorage.length), 0, "an embed never writes the autosave");
  await full.getByTestId("speed").selectOption("2");
  await full.waitForTimeout(1500);
  assert.ok((await numberOf(full, "errors")) > 0, "full: what users see");
  await full.screenshot({ path: join(screenshots, "embed-full-dark.png") });
  await full.context().close();

  // A click on a link switches it in an ordinary embed, and does nothing in a read-only one.
  const editable = await embed("preset=checkout&controls=full");
  await editable.getByTestId("node-Payments").waitFor();
  await editable.getByTestId("link-1").locator("line.hit").click({ force: true });
  assert.match(await editable.getByTestId("link-1").getAttribute("class"), /async/, "a click switches the link");
  await editable.context().close();
  const readonly = await embed("preset=checkout&controls=full&readonly=1");
  await readonly.getByTestId("node-Payments").waitFor();
  assert.equal(await readonly.getByTestId("kill-Payments").count(), 0, "readonly: no fault buttons");
  const link = readonly.getByTestId("link-1");
  await link.locator("line.hit").click({ force: true });
  await readonly.waitForTimeout(200);
  assert.match(await link.getAttribute("class"), /sync/, "readonly: a click does not switch the link");
  assert.doesNotMatch(await link.getAttribute("class"), /async/);
  await readonly.getByTestId("reset").click();
  assert.equal(await clockSeconds(readonly), 0, "reset still works read-only");
  assert.equal(await readonly.evaluate(() => document.documentElement.dataset.theme), "auto");
  await readonly.context().close();

  // Shared state in the fragment, made by the Embed button of the full playground.
  const page = await openPage(shared.browser, shared.server.url + "?preset=broker-down");
  await page.getByTestId("node-Orders").waitFor();
  await page.getByTestId("embed").click();
  await page.getByTestId("embed-controls").selectOption("full");
  await page.getByTestId("embed-readonly").check();
  await page.getByTestId("embed-width").fill("800");
  await page.getByTestId("embed-width").blur();
  const snippet = await page.getByTestId("embed-snippet").inputValue();
  await page.screenshot({ path: join(screenshots, "embed-panel.png") });
  assert.match(snippet, /^<iframe src="[^"]+\?embed=1&amp;controls=full&amp;readonly=1#share=1\.[\w-]+" width="800" height="480" title="Cascade simulation: When the broker dies, async is not magic" loading="lazy"/);
  const src = snippet.match(/src="([^"]+)"/)[1].replaceAll("&amp;", "&");
  const opened = await openPage(shared.browser, src, { width: 800, height: 480 });
  await opened.getByTestId("node-Orders").waitFor();
  assert.match(await opened.getByTestId("embed-caption").textContent(), /When the broker dies/);
  assert.equal(await opened.getByTestId("kill-Orders").count(), 0, "readonly came along");
  assert.ok(await opened.getByTestId("speed").count(), "controls=full came along");
  assert.deepEqual(opened.problems, []);
  await opened.context().close();
  await page.context().close();
});

test("a small embed with every control keeps half its frame for the canvas; the controls scroll under it", async () => {
  const small = await openPage(shared.browser, `${shared.server.url}?embed=1&preset=checkout&controls=full`, { width: 320, height: 240 });
  await small.getByTestId("node-Payments").waitFor();
  const stageHeight = () => small.locator(".stage").evaluate((stage) => stage.getBoundingClientRect().height);
  const before = await stageHeight();
  assert.ok(before >= 240 * 0.45, `the canvas keeps about half of a 240-px frame, not a strip (${before} px)`);
  const page = await small.evaluate(() => [document.documentElement.scrollHeight, innerHeight]);
  assert.ok(page[0] <= page[1] + 1, `the frame itself does not scroll (${page})`);
  // The last controls are reached by scrolling the dock: a real click on each still works.
  await small.getByTestId("kill-Inventory").click();
  assert.equal(await small.getByTestId("node-Inventory").getAttribute("data-state"), "killed");
  await small.getByTestId("timeline").scrollIntoViewIfNeeded();
  assert.ok(await small.getByTestId("timeline").isVisible(), "the timeline is in the dock");
  assert.equal(await stageHeight(), before, "scrolling the controls leaves the canvas where it was");
  await small.screenshot({ path: join(screenshots, "embed-320x240-full.png") });
  assert.deepEqual(small.problems, []);
  await small.context().close();

  // A story's text scrolls in at most 30% of the frame instead of covering the canvas.
  const story = await openPage(shared.browser, `${shared.server.url}?embed=1&story=checkout&controls=full`, { width: 320, height: 240 });
  const text = story.getByTestId("story-text");
  await text.waitFor();
  const box = await text.evaluate((element) => [element.getBoundingClientRect().height, element.scrollHeight, element.clientHeight]);
  assert.ok(box[0] <= 240 * 0.3 + 1, `the step's text takes at most 30% of the frame (${box})`);
  assert.ok(box[1] > box[2], "the rest of it scrolls");
  await text.hover();
  await story.mouse.wheel(0, 200);
  assert.ok(await eventually(async () => (await text.evaluate((element) => element.scrollTop)) > 0), "a wheel scrolls it");
  await story.getByTestId("story-next").click();
  assert.equal(await story.getByTestId("story-progress").textContent(), "2 / 5");
  assert.equal(await text.evaluate((element) => element.scrollTop), 0, "the next step's text starts at its top");
  await story.screenshot({ path: join(screenshots, "embed-320x240-story.png") });
  assert.deepEqual(story.problems, []);
  await story.context().close();

  // Where the text shows whole it lets the pointer through to the canvas under it.
  const roomy = await openPage(shared.browser, `${shared.server.url}?embed=1&story=checkout&controls=full`, { width: 640, height: 400 });
  const whole = roomy.getByTestId("story-text");
  await whole.waitFor();
  assert.equal(await whole.getAttribute("data-scrolls"), null, "the text fits");
  const under = await whole.evaluate((element) => {
    const box = element.getBoundingClientRect();
    return document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2)?.closest("svg.topology") !== null;
  });
  assert.ok(under, "a click on the text reaches the canvas");
  await roomy.context().close();

  // A problem shows at the top of the controls, not below where they scroll.
  const damaged = await openPage(shared.browser, `${shared.server.url}?embed=1&controls=full#share=1.eNrtbroken`, { width: 320, height: 240 });
  const message = damaged.getByTestId("message");
  await message.waitFor();
  const top = await message.evaluate((element) => element.getBoundingClientRect().bottom);
  assert.ok(top <= 240, `the message is in view (${top})`);
  await damaged.context().close();
});

test("the example blog post: three embeds run on their own and pause while scrolled out of view", async () => {
  const requests = [];
  const page = await openPage(shared.browser, shared.server.url + "example-post.html", { width: 1100, height: 700 });
  page.on("request", (request) => requests.push(request.url()));
  const frames = ["embed-frozen", "embed-retry", "embed-async"].map((id) => page.frameLocator(`[data-testid='${id}']`));
  // Each comes into view (lazy frames load then) and runs.
  for (const [index, frame] of frames.entries()) {
    await page.locator("iframe").nth(index).scrollIntoViewIfNeeded();
    await frame.getByTestId("embed-root").waitFor({ timeout: 20000 });
    assert.ok(await eventually(async () => (await clockSeconds(frame)) > 0.3), `embed ${index + 1} runs`);
  }
  await page.locator("iframe").nth(0).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(screenshots, "blog-post.png") });
  // They are independent: pausing one leaves the others running.
  await frames[0].getByTestId("play").click();
  const stopped = await clockSeconds(frames[0]);
  // The middle one in view: the last is below the fold.
  await page.locator("iframe").nth(1).evaluate((frame) => frame.scrollIntoView({ block: "center" }));
  const last = frames[2].getByTestId("embed-root");
  assert.ok(await eventually(async () => (await last.getAttribute("data-visible")) === "false"), "it knows it is out of view");
  assert.equal(await frames[1].getByTestId("embed-root").getAttribute("data-visible"), "true");
  const hidden = await clockSeconds(frames[2]);
  const visible = await clockSeconds(frames[1]);
  await page.waitForTimeout(1200);
  assert.equal(await clockSeconds(frames[2]), hidden, "out of view: no frames, no simulation");
  assert.equal(await clockSeconds(frames[0]), stopped, "the paused one stays paused");
  assert.ok((await clockSeconds(frames[1])) > visible, "the one in view kept running");
  await page.locator("iframe").nth(2).evaluate((frame) => frame.scrollIntoView({ block: "center" }));
  assert.ok(await eventually(async () => (await clockSeconds(frames[2])) > hidden), "back in view, it goes on");
  const outside = requests.filter((url) => !url.startsWith(shared.server.url) && !/^(data|blob):/.test(url));
  assert.deepEqual(outside, [], "no request leaves the site");
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("served from a sub-path with no outside request, it keeps working offline once loaded", async () => {
  const hosted = await serve(undefined, "/cascade/");
  try {
    const context = await shared.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const requests = [];
    context.on("request", (request) => requests.push(request.url()));
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (error) => problems.push(String(error)));
    await page.goto(hosted.url);
    await page.getByTestId("node-Orders").waitFor();
    assert.ok(requests.some((url) => url.startsWith(hosted.url) && url.endsWith(".wasm")), "assets under /cascade/");
    // "Once visited": the first visit has put the site's files in the cache (going offline
    // before that finishes would cut the caching short, on this Chromium as on a phone).
    await page.waitForFunction(() => document.documentElement.dataset.offlineReady === "true");
    await context.setOffline(true);
    await page.getByTestId("preset").selectOption("checkout-async");
    await page.getByTestId("node-Payments").waitFor();
    await page.getByTestId("kill-Payments").click();
    await page.getByTestId("share").click();
    const link = await page.getByTestId("share-link").inputValue();
    assert.ok(link.startsWith(hosted.url + "#share="), "links point at the sub-path");
    const started = await clockSeconds(page);
    await page.waitForTimeout(800);
    assert.ok((await clockSeconds(page)) > started, "still running offline");
    // Reloaded offline too: the service worker serves the site from its cache.
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.getByTestId("node-Orders").waitFor();
    assert.ok(await eventually(async () => (await clockSeconds(page)) > 0.2), "the reloaded page runs offline");
    await page.screenshot({ path: join(screenshots, "offline-reload.png") });
    await context.setOffline(false);
    const post = await context.newPage();
    await post.goto(hosted.url + "example-post.html");
    await post.frameLocator("[data-testid='embed-frozen']").getByTestId("embed-root").waitFor({ timeout: 20000 });
    const outside = requests.filter((url) => !url.startsWith(hosted.url) && !/^(data|blob):/.test(url));
    assert.deepEqual(outside, [], "no CDN, font or analytics request");
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await hosted.close();
  }
});

test("a long shared run opens without freezing the page: it replays frame by frame, then runs on", async () => {
  // The link is made here, in JavaScript (zlib + base64url), from the CLI's copy of the
  // 50-service stress topology: the format is simple enough for anyone to write.
  const scenario = JSON.parse((await run(cli, ["presets", "stress"])).stdout);
  const state = { scenario, seed: 3, at: 60_000_000, view: { speed: 1, playing: true } };
  const { context, page, problems, payload } = await openHandMadeLink(state);
  await page.locator("svg.topology g.node").first().waitFor();
  const replaying = page.getByTestId("replaying");
  assert.ok(await replaying.count(), "the page is up while the replay goes on");
  assert.match(await replaying.textContent(), /Opening the shared run: \d+ of 60 simulated seconds/);
  await replaying.waitFor({ state: "detached", timeout: 120000 });
  const longest = await page.evaluate(() => Math.max(...window.__gaps.slice(1)));
  assert.ok(longest < 1500, `the page kept drawing while it replayed (longest frame gap ${longest.toFixed(0)} ms)`);
  assert.ok((await clockSeconds(page)) >= 60, "it reached the shared moment");
  assert.ok((await page.locator("svg.topology g.node").count()) > 50, "the shared topology");
  const reached = await clockSeconds(page);
  await page.waitForTimeout(500);
  assert.ok((await clockSeconds(page)) > reached, "and plays on");

  // Opening it again and cancelling keeps what was there.
  await page.goto(`${shared.server.url}?preset=retry-storm`);
  await page.getByTestId("node-Database").waitFor();
  await page.getByTestId("kill-Database").click(); // a change: autosaved
  await page.goto(`${shared.server.url}#share=1.${payload}`);
  await page.getByTestId("cancel-replay").click();
  await page.getByTestId("message").waitFor();
  assert.match(await page.getByTestId("message").textContent(), /not opened/);
  await page.waitForTimeout(300);
  assert.equal(await page.getByTestId("node-Database").count(), 1, "the scenario you had");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a shared comparison opens as a comparison, both sides at the same instant; your autosave survives it", async () => {
  const page = await openPage(shared.browser, shared.server.url + "?preset=checkout");
  await page.getByTestId("node-Orders").waitFor();
  await page.getByTestId("compare").click();
  await page.getByTestId("compare-view").waitFor();
  await page.getByTestId("speed").selectOption("2");
  await page.waitForTimeout(800);
  await page.getByTestId("kill-Payments").click();
  await page.waitForTimeout(1200);
  await page.getByTestId("play").click();
  const figures = async (target) =>
    Promise.all(["compare-sync-delivered", "compare-sync-errors", "compare-async-delivered", "compare-async-errors"].map((id) => numberOf(target, id)));
  const before = await figures(page);
  const clockBefore = await page.getByTestId("clock").textContent();
  await page.getByTestId("share").click();
  const link = await page.getByTestId("share-link").inputValue();
  // Structure is fixed while comparing (a link could not say how it got there).
  await page.keyboard.press("Escape");
  assert.equal(await page.getByTestId("share-panel").count(), 0, "Escape closes the panel");

  const context = await shared.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const mine = await context.newPage();
  await mine.goto(shared.server.url + "?preset=broker-down");
  await mine.getByTestId("node-Orders").waitFor();
  await mine.getByTestId("kill-Payments").click(); // a change: autosaved
  await mine.goto(link);
  await mine.getByTestId("compare-view").waitFor();
  assert.deepEqual(await figures(mine), before, "both sides, exactly as shared");
  assert.equal(await mine.getByTestId("clock").textContent(), clockBefore);
  // The same link as an embed shows both sides too.
  const embedded = await context.newPage();
  await embedded.setViewportSize({ width: 800, height: 420 });
  await embedded.goto(shared.server.url + "?embed=1&controls=full" + link.slice(link.indexOf("#")));
  await embedded.getByTestId("compare-view").waitFor();
  assert.equal(await embedded.locator(".stage").count(), 2, "both sides in the embed");
  await embedded.screenshot({ path: join(screenshots, "embed-compare.png") });
  await embedded.close();
  await mine.keyboard.press(" "); // looking, not changing
  await mine.goto(shared.server.url);
  await mine.getByTestId("node-Orders").waitFor();
  assert.match(await mine.locator(".story h2").textContent(), /When the broker dies/, "your own work is still there");
  await context.close();
  await page.context().close();
});

test("a shared scenario that cannot get past one instant pauses and says why; the page stays responsive", async () => {
  const instant = { kind: "constant", ms: 0 };
  const hop = (from, to) => ({
    from, to, latency: instant,
    sync: { max_attempts: 100, backoff: { initial_ms: 0, max_ms: 0 } },
  });
  const scenario = {
    name: "Stuck at one instant",
    clients: [{ name: "Users", rate_per_second: 1, arrival: "constant" }],
    services: [
      { name: "A", service_time: instant },
      { name: "B", service_time: instant },
      { name: "C", service_time: instant, error_rate: 1 },
    ],
    links: [hop("Users", "A"), hop("A", "B"), hop("B", "C")],
  };
  const state = { scenario, seed: 1, at: 0, view: { speed: 1, playing: true } };
  const { context, page, problems } = await openHandMadeLink(state);
  const stalled = page.getByTestId("stalled");
  await stalled.waitFor({ timeout: 30000 });
  assert.match(await stalled.textContent(), /^Paused: the scenario does too much work at one simulated instant: more than 2 million events at t = 1\.000000 s/);
  await page.screenshot({ path: join(screenshots, "stuck-at-an-instant.png") });
  const longest = await page.evaluate(() => Math.max(...window.__gaps.slice(1)));
  assert.ok(longest < 1500, `the page kept drawing (longest frame gap ${longest.toFixed(0)} ms)`);
  assert.equal(await clockSeconds(page), 1, "paused at the instant");
  // Still responsive: another scenario opens and runs.
  await page.getByTestId("preset").selectOption("checkout");
  await page.getByTestId("play").click();
  await page.getByTestId("node-Orders").waitFor();
  assert.ok(await eventually(async () => (await clockSeconds(page)) > 0.2), "the next scenario runs");
  assert.equal(await stalled.count(), 0, "the note goes with the stuck run");
  assert.deepEqual(problems, []);
  await context.close();
});
