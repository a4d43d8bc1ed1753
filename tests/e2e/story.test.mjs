// End-to-end: reading a story. A story file is imported like a scenario; Next, Back, the arrow
// keys and a swipe move between steps; a step that asks something waits for it; notes are
// pinned to the canvas; going back shows the earlier step exactly. Built-in stories open from
// the menu and in an embed. Screenshots go to target/screenshots/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFile, mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { openPage, eventually, clockSeconds, suite, screenshots } from "./harness.mjs";

const shared = suite();
const cli = process.env.CASCADE_CLI;

async function storyFile() {
  const scenario = JSON.parse(execFileSync(cli, ["presets", "checkout"], { encoding: "utf8" }));
  const story = {
    story: 1,
    title: "A hung dependency",
    scenario,
    steps: [
      { text: "Users call *Orders*, which calls Payments and Inventory.", run_to_s: 2 },
      {
        text: "Payments hangs: every call to it waits for its timeout.",
        commands: [{ command: "freeze", node: "Payments" }],
        run_to_s: 6,
        annotations: [{ on: "Orders", kind: "callout", text: "threads run out here" }, { on: "Payments", kind: "highlight" }],
      },
      {
        text: "Put a queue between them.",
        until: { command: "set_link_kind", link: 1, kind: "async" },
        annotations: [{ on: "Orders -> Payments", kind: "arrow", text: "click this line" }],
      },
      { text: "The queue holds the work; Orders is idle.", run_to_s: 10 },
    ],
  };
  const directory = await mkdtemp(join(tmpdir(), "cascade-story-"));
  const path = join(directory, "hung.json");
  await writeFile(path, JSON.stringify(story));
  return path;
}

const progress = async (page) => (await page.getByTestId("story-progress").textContent()).trim();
const figures = (page) => page.evaluate(() => [...document.querySelectorAll("dl.figures dd")].map((node) => node.textContent).join(" | "));

test("a story file reads step by step: Next, keys, a swipe, a step that waits, notes on the canvas, exact steps back", async () => {
  const page = await openPage(shared.browser, shared.server.url);
  await page.getByTestId("node-Orders").waitFor();
  await page.getByTestId("import").setInputFiles(await storyFile());
  await page.getByTestId("story-reader").waitFor();
  assert.equal(await progress(page), "Step 1 of 4");
  assert.equal(await clockSeconds(page), 2);
  assert.equal(await page.locator("[data-testid=story-text] em").textContent(), "Orders");
  assert.match(await page.getByTestId("preset").locator("option:checked").textContent(), /Story: A hung dependency/);

  await page.getByTestId("story-next").click();
  assert.equal(await progress(page), "Step 2 of 4");
  assert.equal(await clockSeconds(page), 6);
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "frozen");
  assert.equal(await page.getByTestId("pin").count(), 2, "a callout and a ring");
  const atStepTwo = await figures(page);
  await page.screenshot({ path: join(screenshots, "story-step.png") });

  // The arrow key goes on; this step asks first, so Next waits.
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("ArrowRight");
  assert.ok(await eventually(async () => (await progress(page)) === "Step 3 of 4"));
  await page.getByTestId("story-asks").waitFor();
  assert.match(await page.getByTestId("story-asks").textContent(), /Switch Orders → Payments to async/);
  assert.equal(await page.getByTestId("story-next").isDisabled(), true);
  // Doing it by hand (a click on the line) lets the reader on.
  await page.getByTestId("link-1").click();
  assert.ok(await eventually(async () => (await page.getByTestId("story-asks").count()) === 0));
  // A swipe to the left on the story card: the next step.
  const card = await page.getByTestId("story-reader").boundingBox();
  await page.mouse.move(card.x + card.width - 20, card.y + 40);
  await page.mouse.down();
  await page.mouse.move(card.x + 20, card.y + 40, { steps: 5 });
  await page.mouse.up();
  assert.ok(await eventually(async () => (await progress(page)) === "Step 4 of 4"));
  assert.equal(await clockSeconds(page), 10);

  // Back to step 2: recomputed, exactly what was shown.
  await page.getByTestId("story-back").click();
  await page.getByTestId("story-back").click();
  assert.equal(await progress(page), "Step 2 of 4");
  assert.equal(await figures(page), atStepTwo);
  // A share link carries the story at its step.
  await page.getByTestId("share").click();
  const link = await page.getByTestId("share-link").inputValue();
  const linked = await openPage(shared.browser, link);
  await linked.getByTestId("story-reader").waitFor();
  assert.equal(await progress(linked), "Step 2 of 4");
  assert.equal(await figures(linked), atStepTwo);
  assert.deepEqual(linked.problems, []);
  await linked.close();
  await page.keyboard.press("Escape");
  // Play freely: the story goes, the run stays.
  await page.getByTestId("story-leave").click();
  assert.equal(await page.getByTestId("story-reader").count(), 0);
  assert.equal(await page.getByTestId("node-Payments").getAttribute("data-state"), "frozen");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("built-in stories open from the menu and read to their end; an embed reads one too", async () => {
  const page = await openPage(shared.browser, shared.server.url);
  await page.getByTestId("node-Orders").waitFor();
  const stories = await page.getByTestId("preset").locator("optgroup option").evaluateAll((options) => options.map((option) => option.value));
  assert.ok(stories.length >= 7, `${stories.length} stories`);
  for (const value of stories) {
    await page.getByTestId("preset").selectOption(value);
    await page.getByTestId("story-reader").waitFor();
    const [, total] = (await progress(page)).match(/of (\d+)/);
    for (let step = 1; step < Number(total); step++) {
      if (await page.getByTestId("story-do").count()) await page.getByTestId("story-do").click();
      await page.getByTestId("story-next").click();
    }
    assert.equal(await progress(page), `Step ${total} of ${total}`, value);
  }
  assert.deepEqual(page.problems, []);
  await page.close();

  const id = stories[0].replace("story:", "");
  const embed = await openPage(shared.browser, `${shared.server.url}?embed=1&story=${id}`);
  await embed.getByTestId("embed-root").waitFor();
  assert.match(await embed.getByTestId("story-progress").textContent(), /^1 \/ \d+$/);
  await embed.getByTestId("story-next").click();
  assert.match(await embed.getByTestId("story-progress").textContent(), /^2 \/ \d+$/);
  assert.ok((await embed.getByTestId("story-text").textContent()).length > 20);
  await embed.screenshot({ path: join(screenshots, "story-embed.png") });
  assert.deepEqual(embed.problems, []);
  await embed.close();
});

test("on a 360 px phone the story comes right after the canvas and its timeline, and a tap goes on", async () => {
  const context = await shared.browser.newContext({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  await page.goto(`${shared.server.url}?story=checkout`);
  await page.getByTestId("story-reader").waitFor();
  await page.getByTestId("story-next").tap();
  assert.equal(await progress(page), "Step 2 of 5");
  const top = async (selector) => (await page.locator(selector).first().boundingBox()).y;
  assert.ok((await top(".stage")) < (await top("[data-testid=timeline]")), "the timeline under the canvas");
  assert.ok((await top("[data-testid=timeline]")) < (await top("[data-testid=story-reader]")), "then the story");
  assert.ok((await top("[data-testid=story-reader]")) < (await top(".charts")), "before the charts");
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360, "no sideways scrolling");
  assert.deepEqual(problems, []);
  await context.close();
});

test("after a click on the canvas the arrow keys turn the story's pages; after Tab they walk the canvas", async () => {
  const page = await openPage(shared.browser, `${shared.server.url}?story=checkout`);
  await page.getByTestId("story-reader").waitFor();
  await page.getByTestId("node-Orders").click();
  await page.keyboard.press("ArrowRight");
  assert.ok(await eventually(async () => (await progress(page)) === "Step 2 of 5"), "→ went on");
  await page.keyboard.press("ArrowLeft");
  assert.ok(await eventually(async () => (await progress(page)) === "Step 1 of 5"), "← went back");
  // Into the canvas with the keyboard: the arrows move along its items, the story stays.
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Tab");
  const focused = () => page.evaluate(() => document.activeElement.getAttribute("data-item"));
  const before = await focused();
  assert.notEqual(before, null, "Tab came back to the canvas");
  await page.keyboard.press("ArrowRight");
  assert.notEqual(await focused(), before, "→ moved along the canvas");
  assert.equal(await progress(page), "Step 1 of 5", "and left the story where it was");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("in a 360 px embed, the step that asks for a line shows the line and its note, and a tap on it switches it", async () => {
  const context = await shared.browser.newContext({ viewport: { width: 360, height: 480 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await page.goto(`${shared.server.url}?embed=1&story=checkout`);
  await page.getByTestId("story-next").waitFor();
  await page.getByTestId("story-next").tap();
  await page.getByTestId("story-next").tap();
  assert.equal((await page.getByTestId("story-progress").textContent()).trim(), "3 / 5");
  const stage = await page.locator("svg.topology").boundingBox();
  const inside = (box) => box.x >= stage.x - 1 && box.y >= stage.y - 1 && box.x + box.width <= stage.x + stage.width + 1 && box.y + box.height <= stage.y + stage.height + 1;
  const pins = page.getByTestId("pin");
  assert.ok((await pins.count()) > 0);
  for (let i = 0; i < (await pins.count()); i++) {
    assert.ok(inside(await pins.nth(i).boundingBox()), `note ${i} (its words too) is on the canvas`);
  }
  await page.screenshot({ path: join(screenshots, "embed-story-360.png") });
  // The line the step asks for, where its middle is on screen.
  const line = await page.getByTestId("link-1").boundingBox();
  assert.ok(inside({ x: line.x + line.width / 2, y: line.y + line.height / 2, width: 0, height: 0 }), "the line is on the canvas");
  await page.touchscreen.tap(line.x + line.width / 2, line.y + line.height / 2);
  await eventually(async () => (await page.getByTestId("story-asks").count()) === 0, 3000);
  assert.equal(await page.getByTestId("story-asks").count(), 0, "the step got what it asked for");
  assert.ok(await page.getByTestId("story-next").isEnabled(), "and the reader can go on");
  await context.close();
});
