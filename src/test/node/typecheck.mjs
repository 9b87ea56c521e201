// Type-checks the ComfyUI extension against the ComfyUI frontend's own declarations
// (@comfyorg/comfyui-frontend-types): the loader that install-comfyui writes, the panel the runtime
// serves and the module it shares with the chat page. They are laid out the way ComfyUI serves them (the loader at /extensions/agentx/agentx.js
// imports ../../scripts/app.js, typed here as the frontend's ComfyApp) and checked with
// `tsc --checkJs --noEmit`. Exit code 0 when there is no error. Run by ComfyExtensionTypecheckTest.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const sources = {
  loader: join(repo, 'src/main/resources/comfyui-extension/agentx.js'),
  panel: join(repo, 'src/main/resources/webroot/comfyui/agentx-panel.js'),
  common: join(repo, 'src/main/resources/webroot/agentx-common.js'),
};
const types = join(here, 'node_modules/@comfyorg/comfyui-frontend-types/index.d.ts');

const work = mkdtempSync(join(tmpdir(), 'agentx-typecheck-'));
try {
  const files = {
    loader: join(work, 'extensions/agentx/agentx.js'),
    panel: join(work, 'comfyui/agentx-panel.js'),
    common: join(work, 'agentx-common.js'),
  };
  for (const key of Object.keys(files)) {
    mkdirSync(dirname(files[key]), { recursive: true });
    cpSync(sources[key], files[key]);
  }
  mkdirSync(join(work, 'scripts'));
  // what ComfyUI's /scripts/app.js exports to extensions
  writeFileSync(join(work, 'scripts/app.d.ts'),
    "import type { ComfyApp } from '@comfyorg/comfyui-frontend-types';\nexport declare const app: ComfyApp;\n");
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      allowJs: true, checkJs: true, noEmit: true, strict: true, noImplicitAny: false,
      target: 'es2022', module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom', 'dom.iterable'],
      skipLibCheck: true, types: [],
      paths: { '@comfyorg/comfyui-frontend-types': [types] },
    },
    files: [files.loader, files.panel, files.common],
  }, null, 2));
  const tsc = spawnSync(process.execPath, [join(here, 'node_modules/typescript/bin/tsc'), '-p', join(work, 'tsconfig.json'), '--pretty', 'false'],
    { encoding: 'utf8', cwd: work });
  let output = (tsc.stdout || '') + (tsc.stderr || '');
  for (const key of Object.keys(files)) {
    output = output.split(files[key]).join(sources[key]).split(files[key].slice(work.length + 1)).join(sources[key]);
  }
  output = output.split(work).join('<typecheck>');
  if (tsc.status === 0) {
    console.log(`typecheck: 0 errors in ${Object.values(sources).join(', ')} against @comfyorg/comfyui-frontend-types`);
  } else {
    console.log(output.trim());
    console.log(`typecheck: FAILED (tsc exit ${tsc.status})`);
  }
  process.exitCode = tsc.status === 0 ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
