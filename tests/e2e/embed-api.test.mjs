// End-to-end: the embed API across origins. A host page served from a second port (another
// origin) frames Cascade with `host=` its origin, uses the shipped host script, and drives the
// embed: requests and replies, metrics, auto-resize, scroll-driven steps; an embed without
// `host=` ignores the same page. Screenshots go to target/screenshots/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile, copyFile } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { openPage, eventually, serve, dist, suite, screenshots } from "./harness.mjs";

const shared = suite();

async function hostPage() {
  const directory = await mkdtemp(join(tmpdir(), "cascade-host-"));
  await copyFile(join(dist, "cascade-host.js"), join(directory, "cascade-host.js"));
  const host = await serve(directory);
  const hostOrigin = new URL(host.url).origin;
  const embed = `${shared.server.url}?embed=1&controls=full&preset=checkout&speed=1`;
  const gap = `<div style="height: 130vh"></div>`;
  await writeFile(join(directory, "index.html"), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>A post that embeds Cascade</title></head>
<body style="margin: 0; font: 16px sans-serif">
  <h1>A post</h1>
  <iframe id="demo" data-cascade title="Cascade" src="${embed}&host=${encodeURIComponent(hostOrigin)}" style="width: 720px; height: 150px; border: 0"></iframe>
  <iframe id="stranger" data-cascade data-cascade-fixed title="Cascade, not told about this page" src="${embed}" style="width: 720px; height: 150px; border: 0"></iframe>
  ${gap}
  <p id="step-kill" data-cascade-send='{"type": "command", "command": {"command": "kill", "node": "Payments"}}'>Now Payments dies.</p>
  ${gap}
  <p id="step-back" data-cascade-send='[{"type": "seek", "time_s": 1}]'>Back to the first second.</p>
  ${gap}
  <script>
    window.received = [];
    window.addEventListener("message", (event) => {
      if (event.data && event.data.cascade === 1) window.received.push({ from: event.source === document.getElementById("demo").contentWindow ? "demo" : "stranger", ...event.data });
    });
  </script>
  <script src="cascade-host.js"></script>
</body></html>`);
  return host;
}

const received = (page, predicate) => page.evaluate(`window.received.filter(${predicate})`);

test("a host page on another origin drives the embed, hears it, sizes it and steps it by scrolling; an embed not told about the host ignores it", async () => {
  const host = await hostPage();
  const page = await openPage(shared.browser, host.url);
  try {
    const demo = page.frameLocator("#demo");
    const stranger = page.frameLocator("#stranger");
    await demo.getByTestId("embed-root").waitFor();
    await stranger.getByTestId("embed-root").waitFor();
    // ready, from both (what they say is no secret); the host script sizes the one it may.
    assert.ok(await eventually(async () => (await received(page, `(m) => m.type === "ready" && m.from === "demo"`)).length === 1));
    const [ready] = await received(page, `(m) => m.type === "ready"`);
    assert.equal(ready.version, 1);
    assert.equal(ready.scenario, "Checkout");
    assert.ok(await eventually(async () => (await page.locator("#demo").evaluate((frame) => frame.getBoundingClientRect().height)) > 200), "auto-resized to its content: " + JSON.stringify(await received(page, "(m) => m.type !== \"metrics\"")));
    assert.equal(await page.locator("#stranger").evaluate((frame) => frame.style.height), "150px", "data-cascade-fixed keeps its size");

    // A request with an id: done, and the state after it.
    await page.evaluate(() => Cascade.send(document.getElementById("demo"), { type: "pause", id: "p1" }));
    assert.ok(await eventually(async () => (await received(page, `(m) => m.type === "done" && m.id === "p1"`)).length === 1));
    assert.equal((await demo.getByTestId("play").textContent()).trim(), "Play");
    const [state] = (await received(page, `(m) => m.type === "state"`)).slice(-1);
    assert.equal(state.playing, false);
    // The same request to the embed that was not told about this page: ignored, no reply.
    await page.evaluate(() => Cascade.send(document.getElementById("stranger"), { type: "pause", id: "p2" }));
    await page.waitForTimeout(500);
    assert.equal((await received(page, `(m) => m.id === "p2"`)).length, 0);
    assert.equal((await stranger.getByTestId("play").textContent()).trim(), "Pause", "still playing");

    // Nonsense gets an error reply, never a crash; the embed goes on working.
    await page.evaluate(() => Cascade.send(document.getElementById("demo"), { type: "explode", id: 9 }));
    await page.evaluate(() => document.getElementById("demo").contentWindow.postMessage("not even JSON", "*"));
    assert.ok(await eventually(async () => (await received(page, `(m) => m.type === "error" && m.id === 9`)).length === 1));
    const [error] = await received(page, `(m) => m.type === "error" && m.id === 9`);
    assert.match(error.message, /unknown type "explode"/);

    // Metrics at the interval asked for.
    await page.evaluate(() => Cascade.send(document.getElementById("demo"), { type: "play" }));
    await page.evaluate(() => Cascade.send(document.getElementById("demo"), { type: "subscribe", interval_ms: 100 }));
    assert.ok(await eventually(async () => (await received(page, `(m) => m.type === "metrics"`)).length >= 5));
    const [metrics] = (await received(page, `(m) => m.type === "metrics"`)).slice(-1);
    assert.ok(metrics.succeeded > 0, JSON.stringify(metrics));
    await page.evaluate(() => Cascade.send(document.getElementById("demo"), { type: "subscribe", interval_ms: 0 }));

    // Scrolling the post: the step in the middle of the window is sent to the embed. The kill
    // lands after the first two simulated seconds, so the first second is before it.
    assert.ok(await eventually(async () => Number.parseFloat((await demo.getByTestId("clock").textContent()).replace("t = ", "")) >= 2));
    await page.locator("#step-kill").scrollIntoViewIfNeeded();
    await page.evaluate(() => document.getElementById("step-kill").scrollIntoView({ block: "center" }));
    assert.ok(await eventually(async () => (await demo.getByTestId("node-Payments").getAttribute("data-state")) === "killed"), "the kill step reached the embed");
    assert.equal(await page.locator("#step-kill").getAttribute("class"), "cascade-active");
    await page.evaluate(() => document.getElementById("step-back").scrollIntoView({ block: "center" }));
    assert.ok(await eventually(async () => (await demo.getByTestId("clock").textContent()).startsWith("t = 1.0 s")), "the seek step reached the embed");
    assert.equal(await demo.getByTestId("node-Payments").getAttribute("data-state"), "up", "one second in, before the kill");
    await page.locator("#demo").screenshot({ path: join(screenshots, "embed-api-step.png") });
    assert.equal(await stranger.getByTestId("node-Payments").getAttribute("data-state"), "up", "the other embed never heard it");
    assert.deepEqual(page.problems.filter((problem) => !problem.includes("host=")), []);
  } finally {
    await page.close();
    await host.close();
  }
});

test("the example post's last embed follows the reader's scrolling, paragraph by paragraph", async () => {
  const page = await openPage(shared.browser, shared.server.url + "example-post.html", { width: 1100, height: 800 });
  try {
    const steps = page.frameLocator("[data-testid='embed-steps']");
    const paragraphs = page.locator("p.step");
    await paragraphs.nth(0).evaluate((step) => step.scrollIntoView({ block: "center" }));
    await steps.getByTestId("embed-root").waitFor({ timeout: 20000 });
    await paragraphs.nth(1).evaluate((step) => step.scrollIntoView({ block: "center" }));
    assert.ok(await eventually(async () => (await steps.getByTestId("node-Payments").getAttribute("data-state")) === "frozen"), "the freeze paragraph froze Payments");
    await page.screenshot({ path: join(screenshots, "example-post-steps.png") });
    await paragraphs.nth(2).evaluate((step) => step.scrollIntoView({ block: "center" }));
    assert.ok(await eventually(async () => (await steps.getByTestId("node-Payments").getAttribute("data-state")) === "up"), "revived");
    await paragraphs.nth(3).evaluate((step) => step.scrollIntoView({ block: "center" }));
    assert.ok(await eventually(async () => (await steps.locator("svg.topology g.queue").count()) > 0), "the Payments call goes through a queue");
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});

test("a narrow auto-sized embed grows to show its controls whole under a canvas at least at the canvas's proportions", async () => {
  const directory = await mkdtemp(join(tmpdir(), "cascade-host-"));
  await copyFile(join(dist, "cascade-host.js"), join(directory, "cascade-host.js"));
  const host = await serve(directory);
  const hostOrigin = new URL(host.url).origin;
  const embed = `${shared.server.url}?embed=1&controls=full&preset=checkout&host=${encodeURIComponent(hostOrigin)}`;
  await writeFile(join(directory, "index.html"), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>A narrow post</title></head>
<body style="margin: 0"><iframe id="narrow" data-cascade title="Cascade" src="${embed}" style="width: 320px; height: 240px; border: 0"></iframe>
<script src="cascade-host.js"></script></body></html>`);
  const page = await openPage(shared.browser, host.url, { width: 400, height: 900 });
  try {
    const frame = page.frameLocator("#narrow");
    await frame.getByTestId("node-Orders").waitFor();
    const settled = async () => {
      const [dockHidden, stage] = await frame.locator(".embed-dock").evaluate((dock) => {
        const box = document.querySelector(".stage").getBoundingClientRect();
        return [dock.scrollHeight - dock.clientHeight, [box.width, box.height]];
      });
      return dockHidden <= 1 && stage[1] >= stage[0] * 0.56 - 2;
    };
    assert.ok(await eventually(settled), "the controls show whole and the canvas keeps at least its proportions");
    assert.ok((await page.locator("#narrow").evaluate((element) => element.getBoundingClientRect().height)) > 240);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.context().close();
    await host.close();
  }
});
