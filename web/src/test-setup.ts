// Vitest runs in jsdom; nothing global to set up beyond what jsdom provides.
export {};
