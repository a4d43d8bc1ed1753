// End-to-end: a clip of the canvas. Recorded with the button while the run plays, downloaded
// as WebM, then played in Chromium's own <video>: the expected length, the topology and the
// moving messages in its frames. Screenshots go to target/screenshots/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { openPage, eventually, clockSeconds, suite, screenshots } from "./harness.mjs";

const shared = suite();

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
  const played = await page.evaluate(async (base64) => {
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
    video.currentTime = Math.min(1.5, duration / 2);
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
    return { duration, width: video.videoWidth, height: video.videoHeight, dark, dots: blue + green, frame: canvas.toDataURL("image/png") };
  }, bytes.toString("base64"));
  assert.ok(played.width >= 600 && played.height >= 300, `${played.width}x${played.height}`);
  assert.ok(Math.abs(played.duration - seconds) < 1.5, `the clip lasts ${played.duration} s, recorded for ${seconds} s`);
  assert.ok(played.dark > 500, `the boxes and their text are in the clip (${played.dark} dark pixels)`);
  assert.ok(played.dots > 20, `the moving messages are in the clip (${played.dots} dot pixels)`);
  const frame = Buffer.from(played.frame.split(",")[1], "base64");
  await (await import("node:fs/promises")).writeFile(join(screenshots, "clip-frame.png"), frame);
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
