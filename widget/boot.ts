import { configUrl, primeConfig } from './api/config.js';
import { configure } from './index.js';

/**
 * Called by the loader once this chunk has loaded: the script tag's settings, and the
 * config request the loader started in parallel with this chunk's download.
 */
export function start(settings: { key: string; relay: string }, config?: Promise<Response>) {
  configure(settings);
  if (config) primeConfig(configUrl(settings.relay, settings.key), config);
}

/**
 * Runs a `Touchpoint(cmd, …)` command for the loader, which keeps `on` to itself and
 * queues the rest until this chunk has loaded.
 */
export function command(cmd: string, args: unknown[]) {
  const launcher = document.querySelector('tp-launcher');
  if (cmd === 'open') launcher?.show();
  else if (cmd === 'close') launcher?.close();
  else if (cmd === 'identify' && args[0] && typeof args[0] === 'object') {
    const visitor: Record<string, string> = {};
    for (const [k, v] of Object.entries(args[0])) if (v != null) visitor[k] = String(v);
    configure({ visitor });
  }
}
