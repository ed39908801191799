import { newApp } from "./app";

// Placeholder: the lobby socket lands with issue 3.
export const lobby = newApp();
