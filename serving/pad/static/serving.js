// TF Serving's REST API as the pad uses it, through the pad server's /v1/ forwarding.
//
// GET /v1/models/MODEL gives the AVAILABLE versions; the highest is the one the "latest"
// policy serves, and predictions ask it by number
// (POST /v1/models/MODEL/versions/N:predict), so the version shown is the one that
// answered. If it was replaced meanwhile (404), the version is looked up again once.
// Example:
//   const client = new ModelClient(await getJson("/config.json").then((r) => r.body));
//   const prediction = await client.predict(base64Png); // {probabilities, classes, scores}

// fetch() as JSON; a network failure (the pad server itself gone) becomes a clear Error.
export async function getJson(url, options) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    throw new Error(`cannot reach the pad server (${error.message})`);
  }
  const body = await response.json().catch(() => null);
  return { status: response.status, ok: response.ok, body };
}

function failure(reply) {
  const reason = reply.body?.error ?? "no JSON body";
  return new Error(`the model server answered ${reply.status}: ${reason}`);
}

export class ModelClient {
  // contract: /config.json (model, signature, input); onVersion(model, version) is told
  // whenever the serving version is (re)read.
  constructor(contract, onVersion = () => {}) {
    this.contract = contract;
    this.onVersion = onVersion;
    this.version = null;
  }

  async refreshVersion() {
    const model = this.contract.model;
    const reply = await getJson(`/v1/models/${model}`);
    if (!reply.ok) throw failure(reply);
    const versions = (reply.body.model_version_status ?? [])
      .filter((status) => status.state === "AVAILABLE")
      .map((status) => Number(status.version));
    if (versions.length === 0) throw new Error(`model ${model} has no AVAILABLE version`);
    this.version = Math.max(...versions);
    this.onVersion(model, this.version);
  }

  // b64: a PNG or JPEG file, base64. Returns the first row of "predictions".
  async predict(b64) {
    const { model, signature, input } = this.contract;
    const body = JSON.stringify({ signature_name: signature, instances: [{ [input]: { b64 } }] });
    const post = () =>
      getJson(`/v1/models/${model}/versions/${this.version}:predict`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
    if (this.version === null) await this.refreshVersion();
    let reply = await post();
    if (reply.status === 404) {
      await this.refreshVersion();
      reply = await post();
    }
    if (!reply.ok) throw failure(reply);
    return reply.body.predictions[0];
  }
}
