"use strict";
// Drives the emulator with the official Tencent Cloud Node.js SDK
// (tencentcloud-sdk-nodejs-cvm), unmodified, as a user would: one client
// per request style, pointed at the emulator through profile.httpProfile.
// Run by runner/emulator/sdk_node_test.go, which asserts on the JSON this
// prints on stdout.
//
//   node drive.js ENDPOINT REGION STYLE=INSTANCE_ID...
//
// ENDPOINT is host:port (e.g. 127.0.0.1:41237); each STYLE is one of the
// names in STYLES below, driven against its own RUNNING instance. The
// credentials come from TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY,
// never from the command line.

const { cvm } = require("tencentcloud-sdk-nodejs-cvm");
const CvmClient = cvm.v20170312.Client;

const STYLES = {
  "TC3 JSON POST": {}, // the SDK's default
  "TC3 GET": { httpProfile: { reqMethod: "GET" } },
  "v1 HmacSHA256 form POST": { signMethod: "HmacSHA256" },
  "v1 HmacSHA1 GET": { signMethod: "HmacSHA1", httpProfile: { reqMethod: "GET" } },
};

const DEADLINE_MS = 10000;
const POLL_MS = 10;

// client returns a CvmClient for the style; keySuffix spoils the secret
// key.
function client(endpoint, region, style, keySuffix = "") {
  const extra = STYLES[style];
  if (!extra) throw new Error(`unknown style ${style}`);
  return new CvmClient({
    credential: {
      secretId: process.env.TENCENTCLOUD_SECRET_ID,
      secretKey: process.env.TENCENTCLOUD_SECRET_KEY + keySuffix,
    },
    region,
    profile: {
      signMethod: extra.signMethod || "TC3-HMAC-SHA256",
      httpProfile: Object.assign(
        { endpoint, protocol: "http://", reqMethod: "POST", reqTimeout: 10 },
        extra.httpProfile
      ),
    },
  });
}

// outcome runs an SDK call and returns {ok: response} or {error: {...}}.
async function outcome(call) {
  try {
    return { ok: await call() };
  } catch (e) {
    return {
      error: {
        code: e.code || "",
        message: e.message || String(e),
        requestId: e.requestId || "",
        class: (e && e.constructor && e.constructor.name) || "",
      },
    };
  }
}

function brief(inst) {
  return {
    id: inst.InstanceId,
    state: inst.InstanceState,
    latestOperation: inst.LatestOperation,
    latestOperationState: inst.LatestOperationState,
    latestOperationRequestId: inst.LatestOperationRequestId,
    stopChargingMode: inst.StopChargingMode,
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// waitFor polls DescribeInstances until the instance is in state.
async function waitFor(c, id, state) {
  const seen = [];
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const r = await outcome(() => c.DescribeInstances({ InstanceIds: [id] }));
    if (r.error) return { error: r.error, seen };
    const inst = r.ok.InstanceSet[0];
    if (!inst) return { error: { code: "", message: `${id} is not listed` }, seen };
    if (seen[seen.length - 1] !== inst.InstanceState) seen.push(inst.InstanceState);
    if (inst.InstanceState === state) return { instance: brief(inst), seen };
    if (Date.now() > deadline) return { error: { code: "", message: `not ${state} within ${DEADLINE_MS} ms` }, seen };
    await sleep(POLL_MS);
  }
}

async function paging(c) {
  const out = { pages: [] };
  const first = await outcome(() => c.DescribeInstances({}));
  if (first.error) return Object.assign(out, { error: first.error });
  out.defaultPageSize = first.ok.InstanceSet.length;
  const limit = 7;
  for (let offset = 0; offset < 100000; offset += limit) {
    const r = await outcome(() => c.DescribeInstances({ Offset: offset, Limit: limit }));
    if (r.error) return Object.assign(out, { error: r.error });
    out.pages.push({ offset, totalCount: r.ok.TotalCount, ids: r.ok.InstanceSet.map((i) => i.InstanceId) });
    if (r.ok.InstanceSet.length === 0) break;
  }
  return out;
}

async function drive(c, id) {
  const out = {};
  const tooMany = [];
  for (let i = 0; i < 101; i++) tooMany.push("ins-" + String(i).padStart(8, "0"));
  const before = await waitFor(c, id, "RUNNING");
  out.before = before;
  if (before.error) return out;
  out.stop = await outcome(() => c.StopInstances({ InstanceIds: [id], StopType: "SOFT", StoppedMode: "STOP_CHARGING" }));
  if (out.stop.error) return out;
  out.stopped = await waitFor(c, id, "STOPPED");
  if (out.stopped.error) return out;
  out.start = await outcome(() => c.StartInstances({ InstanceIds: [id] }));
  if (out.start.error) return out;
  out.running = await waitFor(c, id, "RUNNING");
  out.stopTooMany = await outcome(() => c.StopInstances({ InstanceIds: tooMany }));
  out.stopMalformed = await outcome(() => c.StopInstances({ InstanceIds: ["ins-1122"] }));
  out.startTooMany = await outcome(() => c.StartInstances({ InstanceIds: tooMany }));
  out.startMalformed = await outcome(() => c.StartInstances({ InstanceIds: ["ins-1122"] }));
  return out;
}

async function main() {
  const [endpoint, region, ...plan] = process.argv.slice(2);
  const result = {
    sdk: {
      cvm: require("tencentcloud-sdk-nodejs-cvm/package.json").version,
      common: require("tencentcloud-sdk-nodejs-common/package.json").version,
    },
    paging: await paging(client(endpoint, region, "TC3 JSON POST")),
    styles: {},
  };
  // The styles run one after another: each has its own instance.
  for (const p of plan) {
    const [style, id] = p.split("=");
    const out = await drive(client(endpoint, region, style), id);
    out.wrongKey = await outcome(() => client(endpoint, region, style, "x").DescribeInstances({}));
    result.styles[style] = out;
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((e) => {
  process.stderr.write(`drive.js: ${(e && e.stack) || e}\n`);
  process.exit(1);
});
