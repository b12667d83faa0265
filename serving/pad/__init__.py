"""The drawing pad: a browser page where a person draws a digit and sees the served answer.

`python -m serving.pad` serves one static page (HTML, CSS, plain JavaScript; no build
step) and forwards `/v1/...` to a TF Serving REST endpoint, so the page talks only to its
own origin. The page sends the canvas as PNG to the `predict_image_bytes` signature,
exactly as any TF Serving client would, and shows the predicted digit, the ten
probabilities and the model version that answered.

Modules: `config` (flags), `app` (the aiohttp app), `proxy` (the forwarding handler),
`static/` (the page); for tests, the benchmark and the docs/pad.md screenshot: `strokes`
(a digit's pixels as pen strokes), `processes` (model server and pad as subprocesses) and
`browser` (Playwright driving Debian's chromium; needs the dev extras).

Example:
    python -m serving.pad --port 8080 --rest http://127.0.0.1:8501
"""
