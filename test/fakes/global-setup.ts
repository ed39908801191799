import type { TestProject } from "vitest/node";
import { startPlatformServer } from "./platform-server";

declare module "vitest" {
  export interface ProvidedContext {
    platformBase: string;
  }
}

/** One fake WeChat/QQ server for the whole run; its address reaches the worker as a binding. */
export default async function setup(project: TestProject) {
  const fake = await startPlatformServer();
  project.provide("platformBase", fake.url);
  return () => fake.close();
}
