"""The REST port's `/openapi.json` and `/docs` routes.

`/openapi.json` answers `document.OpenApiDocument`'s text; `/docs` is one self-contained
HTML page (no CDN, no external script) that fetches it and lists every path with its
summary, and the request and answer schemas it references.

Example:
    curl http://127.0.0.1:8501/docs
"""

from aiohttp import web

from serving.openapi.document import OpenApiDocument

DOCUMENT_PATH = "/openapi.json"
DOCS_PATH = "/docs"
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>REST API</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; margin: 2em; max-width: 70em; }
code, pre { font: 13px ui-monospace, monospace; }
pre { background: #f4f4f4; padding: .6em; overflow: auto; max-height: 30em; }
.method { display: inline-block; width: 4em; font-weight: bold; text-transform: uppercase; }
</style></head>
<body><h1 id="title">REST API</h1><p id="description"></p>
<p>The machine-readable document: <a href="/openapi.json">/openapi.json</a>.</p>
<div id="paths">Loading /openapi.json ...</div>
<script>
function component(doc, schema) {
  const ref = schema && schema.$ref;
  return ref ? doc.components.schemas[ref.split("/").pop()] : schema;
}
function block(parent, label, doc, schema) {
  if (!schema) return;
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = label;
  const pre = document.createElement("pre");
  pre.textContent = JSON.stringify(component(doc, schema), null, 1);
  details.append(summary, pre);
  parent.append(details);
}
fetch("/openapi.json").then((answer) => answer.json()).then((doc) => {
  document.getElementById("title").textContent = doc.info.title;
  document.getElementById("description").textContent = doc.info.description;
  const list = document.getElementById("paths");
  list.textContent = "";
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (method === "parameters") continue;
      const entry = document.createElement("div");
      entry.className = "operation";
      const head = document.createElement("h3");
      const verb = document.createElement("span");
      verb.className = "method";
      verb.textContent = method;
      const code = document.createElement("code");
      code.textContent = path;
      head.append(verb, code, " \\u2014 " + operation.summary);
      entry.append(head);
      const body = operation.requestBody;
      block(entry, "Request body", doc, body && body.content["application/json"].schema);
      const ok = operation.responses["200"].content;
      block(entry, "200 answer", doc, ok && ok["application/json"].schema);
      list.append(entry);
    }
  }
}).catch((error) => {
  document.getElementById("paths").textContent = "Could not load /openapi.json: " + error;
});
</script></body></html>
"""


def add_routes(app, manager):
    """Adds GET /openapi.json and GET /docs to an aiohttp application.

    Args:
        app: the web.Application of the REST port.
        manager: the ModelManager whose served versions the document describes.
    """
    document = OpenApiDocument(manager)

    async def openapi_json(request):
        return web.Response(text=document.text(), content_type="application/json")

    async def docs(request):
        return web.Response(text=DOCS_PAGE, content_type="text/html")

    app.router.add_get(DOCUMENT_PATH, openapi_json)
    app.router.add_get(DOCS_PATH, docs)
