import { newApp } from "./app";
export const admin = newApp();
