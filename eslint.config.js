// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Imports go one way: model ← schema ← load ← plan ← apply ← reconcile/audit ← cli.
 * Adapters may use model, plan and the interfaces, never apply, reconcile or cli; server
 * never cli. Third-party SDKs
 * appear only in adapters/ and server/. model, schema, load and plan do no I/O.
 */
const layer = (group, message) => ({ group, message });
const SDKS = [
  "better-sqlite3",
  "@kubernetes/client-node",
  "@octokit/*",
  "@googleapis/*",
  "nodemailer",
  "prom-client",
  "pino",
];
const IO = [
  "node:fs",
  "node:fs/*",
  "fs",
  "node:child_process",
  "node:http",
  "node:https",
  "node:net",
];
const noSdk = layer(
  SDKS,
  "third-party SDKs live only in controller/adapters and controller/server",
);
const noIo = layer(IO, "this layer is pure: I/O belongs in adapters (sources, backends)");
const above = (names) =>
  layer(
    names.flatMap((n) => [
      `../${n}/*`,
      `../../${n}/*`,
      `../${n}/**`,
      `../../${n}/**`,
      `**/${n}/**`,
    ]),
    `wrong-way import: see the layer order in eslint.config.js`,
  );

const boundaries = [
  ["controller/model/**", [layer(["../*", "../**"], "model imports nothing of ours"), noSdk, noIo]],
  [
    "controller/schema/**",
    [
      above(["load", "plan", "apply", "reconcile", "audit", "adapters", "server", "cli"]),
      noSdk,
      noIo,
    ],
  ],
  [
    "controller/load/**",
    [above(["plan", "apply", "reconcile", "audit", "adapters", "server", "cli"]), noSdk, noIo],
  ],
  [
    "controller/plan/**",
    [above(["apply", "reconcile", "audit", "adapters", "server", "cli"]), noSdk, noIo],
  ],
  ["controller/apply/**", [above(["reconcile", "audit", "adapters", "server", "cli"]), noSdk]],
  ["controller/reconcile/**", [above(["audit", "adapters", "server", "cli"]), noSdk]],
  ["controller/audit/**", [above(["reconcile", "adapters", "server", "cli"]), noSdk]],
  // Adapters plug into the controller core; they never drive it (DESIGN "Layout").
  ["controller/adapters/**", [above(["apply", "reconcile", "cli"])]],
  ["controller/server/**", [above(["cli"])]],
  ["controller/cli/**", [noSdk]],
];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "bench/out/**", "coverage/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
    },
  },
  ...boundaries.map(([files, patterns]) => ({
    files: [files],
    rules: { "no-restricted-imports": ["error", { patterns }] },
  })),
  {
    files: ["test/**", "bench/**"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
