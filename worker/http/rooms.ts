import { newApp } from "./app";

// Placeholder: the room socket lands with issue 3.
export const rooms = newApp();
