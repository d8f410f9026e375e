// Generates src/generated/ from openapi.json (the schema `manage.py spectacular` writes).
import { defineConfig } from "@hey-api/openapi-ts";

export default defineConfig({
  input: "openapi.json",
  output: { path: "src/generated", postProcess: [], importFileExtension: ".js", tsConfigPath: "tsconfig.json" },
  plugins: [
    "@hey-api/client-fetch",
    "@hey-api/typescript",
    {
      name: "@hey-api/sdk",
      operations: { strategy: "single", containerName: "GeneratedSdk", methods: "instance", nesting: "operationId" },
    },
  ],
});
