// What the console's bundle has of zod's locales (see build.ts): English, zod's default.
export { default as en } from 'zod/v4/locales/en.js';
