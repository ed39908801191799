// The AI binding the worker tests get: a service binding to this entrypoint, whose run() answers
// as Workers AI's Llama Guard does (llama-guard-fake.js). Counts calls so tests can see the budget.
import { WorkerEntrypoint } from "cloudflare:workers";
import { fakeGuardRun } from "./llama-guard-fake.js";

export class FakeAi extends WorkerEntrypoint {
  async run(model, inputs) {
    return fakeGuardRun(model, inputs);
  }
}

export default {
  fetch() {
    return new Response("fake Workers AI", { status: 404 });
  },
};
