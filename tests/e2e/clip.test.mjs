// End-to-end: a clip of the canvas. Recorded with the button while the run plays, downloaded
// as WebM, then played in Chromium's own <video>: the expected length, the topology and the
// moving messages in its frames. A clip of a story plays the story's steps by itself, each
// step's text over the picture, and saves itself at the end. Screenshots go to
// target/screenshots/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { openPage, eventually, clockSeconds, suite, screenshots } from "./harness.mjs";

const shared = suite();

/// Plays `bytes` (a WebM) in a <video> of `page`: its length, size, and what the frames at
/// `times` (seconds; negative counts from the end) show.
async function playBack(page, bytes, times) {
  return page.evaluate(async ({ base64, times }) => {
    const blob = await (await fetch(`data:video/webm;base64,${base64}`)).blob();
    const video = document.createElement("video");
    video.muted = true;
    video.src = URL.createObjectURL(blob);
    document.body.append(video);
    await new Promise((done, fail) => { video.onloadedmetadata = done; video.onerror = () => fail(new Error("the video does not load")); });
    // A recorded WebM does not say its length up front: seeking past the end makes the
    // browser find it.
    if (!Number.isFinite(video.duration)) {
      await new Promise((done) => { video.ondurationchange = () => Number.isFinite(video.duration) && done(); video.currentTime = 1e9; });
    }
    const duration = video.duration;
    const frames = [];
    for (const time of times) {
      video.currentTime = time < 0 ? Math.max(0, duration + time) : Math.min(time, duration);
      await new Promise((done) => { video.onseeked = done; });
      const canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      const context = canvas.getContext("2d");
      context.drawImage(video, 0, 0);
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let dark = 0, blue = 0, green = 0;
      for (let index = 0; index < pixels.length; index += 4) {
        const [r, g, b] = [pixels[index], pixels[index + 1], pixels[index + 2]];
        if (r < 90 && g < 90 && b < 110) dark += 1; // text and outlines
        if (b > 130 && r < 60 && g > 70 && g < 150) blue += 1; // request dots (#0072B2)
        if (g > 120 && r < 60 && b > 80 && b < 150) green += 1; // response dots (#009E73)
      }
      // The bottom 4%: a caption is a dark band with light text on it.
      let band = 0, light = 0, signature = 0;
      const from = Math.floor(canvas.height * 0.96);
      const bottom = context.getImageData(0, from, canvas.width, canvas.height - from).data;
      for (let index = 0; index < bottom.length; index += 4) {
        const [r, g, b] = [bottom[index], bottom[index + 1], bottom[index + 2]];
        if (r < 60 && g < 70 && b < 85) band += 1;
        if (r > 200 && g > 200 && b > 200) { light += 1; signature = (signature * 31 + index) % 1000003; }
      }
      const share = (count) => count / (bottom.length / 4);
      frames.push({ dark, dots: blue + green, band: share(band), light: share(light), signature, png: canvas.toDataURL("image/png") });
    }
    return { duration, width: video.videoWidth, height: video.videoHeight, frames };
  }, { base64: bytes.toString("base64"), times });
}

async function savePng(frame, name) {
  await writeFile(join(screenshots, name), Buffer.from(frame.png.split(",")[1], "base64"));
}

test("Record clip saves the canvas as it played into a WebM that plays back with its length, boxes and dots", async () => {
  const page = await openPage(shared.browser, `${shared.server.url}?preset=checkout&speed=1`);
  await page.getByTestId("node-Orders").waitFor();
  assert.ok(await eventually(async () => (await clockSeconds(page)) > 1));
  const record = page.getByTestId("record");
  await record.click();
  assert.equal(await record.getAttribute("aria-pressed"), "true");
  const started = Date.now();
  await page.waitForTimeout(3000);
  assert.match(await record.textContent(), /Stop and save clip \(\d+\.\d s\)/);
  const downloading = page.waitForEvent("download");
  await record.click();
  const download = await downloading;
  const seconds = (Date.now() - started) / 1000;
  assert.match(download.suggestedFilename(), /^cascade-checkout-\d+\.\ds-to-\d+\.\ds\.webm$/);
  assert.equal(await record.getAttribute("aria-pressed"), "false");
  const bytes = await readFile(await download.path());
  assert.ok(bytes.length > 10_000, `${bytes.length} bytes`);
  assert.deepEqual([...bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], "an EBML (WebM) header");

  // Played back in the same browser.
  const played = await playBack(page, bytes, [1.5]);
  const [frame] = played.frames;
  assert.ok(played.width >= 600 && played.height >= 300, `${played.width}x${played.height}`);
  assert.ok(Math.abs(played.duration - seconds) < 1.5, `the clip lasts ${played.duration} s, recorded for ${seconds} s`);
  assert.ok(frame.dark > 500, `the boxes and their text are in the clip (${frame.dark} dark pixels)`);
  assert.ok(frame.dots > 20, `the moving messages are in the clip (${frame.dots} dot pixels)`);
  assert.ok(frame.band < 0.5, "no caption without a story");
  await savePng(frame, "clip-frame.png");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("an embed with the full controls records a clip too", async () => {
  const page = await openPage(shared.browser, `${shared.server.url}?embed=1&controls=full&preset=checkout&speed=1`);
  await page.getByTestId("embed-root").waitFor();
  const record = page.getByTestId("record");
  await record.click();
  assert.equal(await record.getAttribute("aria-pressed"), "true");
  await page.waitForTimeout(1500);
  const downloading = page.waitForEvent("download");
  await record.click();
  const download = await downloading;
  assert.match(download.suggestedFilename(), /^cascade-checkout-\d+\.\ds-to-\d+\.\ds\.webm$/);
  const bytes = await readFile(await download.path());
  assert.deepEqual([...bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], "an EBML (WebM) header");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("Record story clip plays the story's steps by itself, with each step's text, and saves itself at the end", async () => {
  const scenario = JSON.parse(execFileSync(process.env.CASCADE_CLI, ["presets", "checkout"], { encoding: "utf8" }));
  const story = {
    story: 1,
    title: "A hung dependency",
    scenario,
    steps: [
      { text: "Users call Orders.", run_to_s: 2 },
      { text: "Payments hangs.", commands: [{ command: "freeze", node: "Payments" }], run_to_s: 5 },
      { text: "A queue goes in.", until: { command: "set_link_kind", link: 1, kind: "async" } },
      { text: "The queue holds the work.", run_to_s: 8 },
    ],
  };
  const directory = await mkdtemp(join(tmpdir(), "cascade-clip-"));
  const file = join(directory, "hung.json");
  await writeFile(file, JSON.stringify(story));
  const page = await openPage(shared.browser, `${shared.server.url}?speed=10`);
  await page.getByTestId("node-Orders").waitFor();
  await page.getByTestId("import").setInputFiles(file);
  await page.getByTestId("story-reader").waitFor();
  const record = page.getByTestId("record");
  assert.equal((await record.textContent()).trim(), "Record story clip");
  const downloading = page.waitForEvent("download", { timeout: 60_000 });
  const started = Date.now();
  await record.click();
  assert.equal(await record.getAttribute("aria-pressed"), "true");
  // It plays from the first step, by itself, through every step.
  const seen = new Set();
  let saysItPlays = false;
  const watching = (async () => {
    for (let tries = 0; tries < 400 && seen.size < 4; tries += 1) {
      const progress = page.getByTestId("story-progress");
      if (await progress.count()) seen.add((await progress.textContent()).trim());
      if (!saysItPlays && (await page.getByTestId("story-playing").count())) {
        saysItPlays = true;
        await page.getByTestId("story-reader").screenshot({ path: join(screenshots, "story-playing.png") });
        await record.screenshot({ path: join(screenshots, "story-recording-button.png") });
      }
      await page.waitForTimeout(50);
    }
  })();
  const download = await downloading;
  const seconds = (Date.now() - started) / 1000;
  await watching;
  assert.deepEqual([...seen].sort(), ["Step 1 of 4", "Step 2 of 4", "Step 3 of 4", "Step 4 of 4"]);
  assert.ok(saysItPlays, "the reader says the story plays by itself");
  assert.match(download.suggestedFilename(), /^cascade-checkout-story-0\.0s-to-8\.0s\.webm$/);
  assert.equal(await record.getAttribute("aria-pressed"), "false");
  assert.equal(await clockSeconds(page), 8);
  assert.match(await page.getByTestId("link-1").getAttribute("class"), /async/, "the step's ask was done");
  // Four steps, each held at least a second and a half to be read.
  assert.ok(seconds > 6, `recorded for ${seconds} s`);

  const bytes = await readFile(await download.path());
  const played = await playBack(page, bytes, [0.3, -0.3]);
  assert.ok(Math.abs(played.duration - seconds) < 1.5, `the clip lasts ${played.duration} s, recorded for ${seconds} s`);
  const [first, last] = played.frames;
  await savePng(first, "story-clip-first.png");
  await savePng(last, "story-clip-last.png");
  for (const frame of [first, last]) {
    assert.ok(frame.band > 0.5, `a caption band at the bottom (${frame.band})`);
    assert.ok(frame.light > 0.005, `with text on it (${frame.light})`);
    assert.ok(frame.dark > 500, "and the topology above it");
  }
  assert.notEqual(first.signature, last.signature, "the first and the last step say different things");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a browser that cannot record says so, and a story reader stays at their step", async () => {
  const page = await openPage(shared.browser, `${shared.server.url}?story=checkout`);
  await page.getByTestId("story-reader").waitFor();
  await page.getByTestId("story-next").click();
  assert.match((await page.getByTestId("story-progress").textContent()).trim(), /^Step 2 of \d+$/);
  const before = await clockSeconds(page);
  // As in a browser without WebM recording.
  await page.evaluate(() => { MediaRecorder.isTypeSupported = () => false; });
  await page.getByTestId("record").click();
  await page.getByTestId("message").waitFor();
  assert.match(await page.getByTestId("message").textContent(), /this browser cannot record WebM video/);
  assert.equal(await page.getByTestId("record").getAttribute("aria-pressed"), "false");
  assert.match((await page.getByTestId("story-progress").textContent()).trim(), /^Step 2 of/);
  assert.equal(await clockSeconds(page), before, "the step's moment, paused");
  assert.deepEqual(page.problems, []);
  await page.close();
});
