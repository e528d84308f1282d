import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypeScript from "eslint-config-next/typescript";
import prettier from "eslint-config-prettier/flat";

/** @type {import("eslint").Linter.Config[]} */
const config = [
  {
    // Generated, built or recorded files (the same paths as .gitignore and .prettierignore).
    ignores: [
      ".next/**",
      ".next-*/**",
      ".e2e/**",
      ".data/**",
      "out/**",
      "build/**",
      "coverage/**",
      "test-results/**",
      "playwright-report/**",
      "next-env.d.ts",
      "prisma/generated/**",
      "bench/out/**",
      "docs/screenshots/**",
    ],
  },
  ...nextCoreWebVitals,
  ...nextTypeScript,
  {
    rules: {
      // A leading underscore marks a binding that is unused on purpose: a parameter a signature
      // requires (`_event`), or the key left out of a rest copy (`const { revokedAt: _, ...fields }`).
      "@typescript-eslint/no-unused-vars": [
        "warn",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
        },
      ],
    },
  },
  {
    // CommonJS files (bench/lib/heap-probe.cjs is preloaded with node --require): require() is how
    // they import.
    files: ["**/*.cjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Node-only test and bench code, no React: its `use…` names are not React hooks but Vitest
    // suite fixtures (useDevIdp() registers beforeAll/afterAll) and `use` callbacks
    // (withClient(url, use)), which the hooks rules would otherwise take for React's.
    files: ["**/*.test.ts", "test/**/*.ts", "e2e/**/*.ts", "bench/lib/**/*.ts"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
  // Last: turns off the stylistic rules that Prettier's formatting would contradict.
  prettier,
];

export default config;
