import { newApp } from "./app";
export const conversations = newApp();
