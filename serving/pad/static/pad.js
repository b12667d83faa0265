// The drawing pad's behaviour: draw on the canvas, ask the served model, show its answer.
//
// Live while drawing (one request at a time, always for the newest strokes) and once more
// at each pen-up; the canvas goes as a base64 PNG to the predict_image_bytes signature
// (serving.js). The names come from /config.json (serving/contract.py).
// Test hooks: #pad, #prediction (its data-latency-ms is pen-up to rendered answer),
// #bars [data-digit][data-probability], #clear, #version, #error.
// Example: python -m serving.pad, then open http://127.0.0.1:8080/ and draw.
import { getJson, ModelClient } from "./serving.js";

// Brush diameter as a fraction of the pad's side: MNIST strokes are ~2 of 20 pixels.
const BRUSH = 1 / 14;
const COLOURS = {
  light: { background: "#000", ink: "#fff" },
  dark: { background: "#fff", ink: "#000" },
};
// Photos are shrunk to this longer side before sending; the model resizes to 20 anyway.
const MAX_FILE_SIDE = 1024;

const $ = (id) => document.getElementById(id);
const pad = $("pad");
const ctx = pad.getContext("2d");
const state = {
  contract: null,
  client: null,
  generation: 0, // bumped on every change of what the pad shows
  rendered: 0, // generation of the answer on screen
  cleared: 0, // generation of the last clear: older answers are stale
  inFlight: 0,
  penDown: false,
  penUpAt: null, // performance.now() of the last pen-up, while no new stroke began
  last: null,
  image: null, // base64 PNG of a dropped or chosen file, sent instead of the pad
};

function colours() {
  return COLOURS[$("ink").value];
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function clearAnswer() {
  $("prediction").textContent = "";
  delete $("prediction").dataset.latencyMs;
  $("latency").textContent = "";
  for (const bar of $("bars").children) {
    delete bar.dataset.probability;
    bar.classList.remove("top");
    bar.querySelector(".fill").style.height = "0";
    bar.querySelector(".value").textContent = "";
    bar.setAttribute("aria-label", `digit ${bar.dataset.digit}: no answer yet`);
  }
}

function clearPad() {
  ctx.fillStyle = colours().background;
  ctx.fillRect(0, 0, pad.width, pad.height);
  state.image = null;
  state.penUpAt = null;
  state.generation += 1;
  state.cleared = state.generation;
  clearAnswer();
}

function buildBars(labels) {
  for (const label of labels) {
    const bar = document.createElement("li");
    bar.className = "bar";
    bar.dataset.digit = label;
    bar.innerHTML =
      '<span class="track"><span class="fill"></span></span>' +
      `<span class="digit" aria-hidden="true">${label}</span><span class="value"></span>`;
    $("bars").append(bar);
  }
}

function render(prediction) {
  const { outputs, labels } = state.contract;
  const probabilities = prediction[outputs.probabilities];
  const digit = labels[prediction[outputs.classes]];
  $("prediction").textContent = digit;
  for (const bar of $("bars").children) {
    const p = probabilities[labels.indexOf(bar.dataset.digit)];
    const percent = `${(100 * p).toFixed(1)}%`;
    bar.dataset.probability = String(p);
    bar.classList.toggle("top", bar.dataset.digit === digit);
    bar.querySelector(".fill").style.height = `${100 * p}%`;
    bar.querySelector(".value").textContent = `${Math.round(100 * p)}%`;
    bar.setAttribute("aria-label", `digit ${bar.dataset.digit}: ${percent}`);
  }
}

async function predict() {
  const generation = state.generation;
  const penUpAt = state.penDown ? null : state.penUpAt;
  const b64 = state.image ?? pad.toDataURL("image/png").split(",")[1];
  state.inFlight += 1;
  try {
    const prediction = await state.client.predict(b64);
    if (generation >= state.rendered && generation > state.cleared) {
      state.rendered = generation;
      render(prediction);
      $("error").hidden = true;
      if (penUpAt !== null && penUpAt === state.penUpAt && generation === state.generation) {
        const ms = performance.now() - penUpAt;
        $("prediction").dataset.latencyMs = ms.toFixed(1);
        $("latency").textContent = `(${Math.round(ms)} ms after pen-up)`;
      }
    }
  } catch (error) {
    // An older answer on screen would pass for the answer to this drawing: remove it.
    if (generation >= state.rendered) {
      clearAnswer();
      showError(`No answer: ${error.message}`);
    }
  } finally {
    state.inFlight -= 1;
  }
  // Live answers while drawing: one request at a time, the next one for the newest strokes.
  if (state.penDown && state.inFlight === 0 && state.generation > generation) predict();
}

function changed() {
  state.generation += 1;
  if (state.inFlight === 0) predict();
}

function position(event) {
  const box = pad.getBoundingClientRect();
  return {
    x: ((event.clientX - box.left) * pad.width) / box.width,
    y: ((event.clientY - box.top) * pad.height) / box.height,
  };
}

function strokeTo(point) {
  ctx.strokeStyle = colours().ink;
  ctx.lineWidth = BRUSH * pad.width;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(state.last.x, state.last.y);
  ctx.lineTo(point.x, point.y);
  ctx.stroke();
  state.last = point;
}

function penDown(event) {
  if (event.pointerType === "mouse" && event.button !== 0) return;
  event.preventDefault();
  if (state.image !== null) clearPad(); // a new drawing replaces a dropped image
  pad.setPointerCapture(event.pointerId);
  state.penDown = true;
  state.penUpAt = null;
  delete $("prediction").dataset.latencyMs;
  state.last = position(event);
  strokeTo(state.last); // a tap leaves a dot
  changed();
}

function penMove(event) {
  if (!state.penDown) return;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const each of events.length ? events : [event]) strokeTo(position(each));
  changed();
}

function penUp() {
  if (!state.penDown) return;
  state.penDown = false;
  state.penUpAt = performance.now();
  predict();
}

async function loadFile(file) {
  if (!file) return;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    showError(`No answer: ${file.name} is not an image this browser can read`);
    return;
  }
  const scale = Math.min(1, MAX_FILE_SIDE / Math.max(bitmap.width, bitmap.height));
  const copy = document.createElement("canvas");
  copy.width = Math.max(1, Math.round(bitmap.width * scale));
  copy.height = Math.max(1, Math.round(bitmap.height * scale));
  copy.getContext("2d").drawImage(bitmap, 0, 0, copy.width, copy.height);
  clearPad();
  const fit = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
  const [w, h] = [bitmap.width * fit, bitmap.height * fit];
  ctx.drawImage(bitmap, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
  // The file itself, not the letterboxed preview, so its own border sets the polarity.
  state.image = copy.toDataURL("image/png").split(",")[1];
  state.generation += 1;
  predict();
}

function wireDropzone() {
  const zone = $("dropzone");
  // A file dropped beside the pad must not make the browser leave the page.
  for (const type of ["dragover", "drop"]) window.addEventListener(type, (e) => e.preventDefault());
  zone.addEventListener("dragover", () => zone.classList.add("dragging"));
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    zone.classList.remove("dragging");
    loadFile(event.dataTransfer.files[0]);
  });
}

async function start() {
  const reply = await getJson("/config.json");
  state.contract = reply.body;
  state.client = new ModelClient(state.contract, (model, version) => {
    $("model").textContent = model;
    $("version").textContent = String(version);
  });
  buildBars(state.contract.labels);
  clearPad();
  pad.addEventListener("pointerdown", penDown);
  pad.addEventListener("pointermove", penMove);
  pad.addEventListener("pointerup", penUp);
  pad.addEventListener("pointercancel", penUp);
  $("clear").addEventListener("click", clearPad);
  $("ink").addEventListener("change", clearPad);
  $("file").addEventListener("change", async (event) => {
    await loadFile(event.target.files[0]);
    event.target.value = ""; // so choosing the same file again is a change too
  });
  wireDropzone();
  document.body.dataset.ready = "true";
  await state.client.refreshVersion().catch((error) => showError(`No answer: ${error.message}`));
}

start().catch((error) => showError(`The pad could not start: ${error.message}`));
