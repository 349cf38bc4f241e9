// Run the gitplane command in this process (main() with argv), capturing what it
// printed: process.stdout/stderr writes (commander, help) and console output
// (the src/cmd verbs print with console.log).
import { vi } from 'vitest';
import { main } from '../../../src/cmd/main.js';

export async function runGitplane(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)),
    vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (stdout += `${parts.join(' ')}\n`)),
    vi.spyOn(console, 'warn').mockImplementation((...parts: unknown[]) => void (stderr += `${parts.join(' ')}\n`)),
    vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void (stderr += `${parts.join(' ')}\n`)),
  ];
  try {
    const code = await main(['node', 'gitplane', ...args]);
    return { code, stdout, stderr };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}
