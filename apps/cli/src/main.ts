#!/usr/bin/env node
import { config as loadDotenv } from 'dotenv';
import { runCli } from './cli';
import { processIo } from './io';
import { openBrowser } from './login/browser';

/** The `geminicli2api` binary: reads ./.env like the gateway does, runs one command, exits with its code. */
async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  // The only read of process.env: the commands parse this map with the gateway's schema.
  const env = process.env;
  const io = processIo((url) => openBrowser(url, env, process.platform));
  const code = await runCli(process.argv.slice(2), io, { env, color: process.stdout.isTTY === true && !env.NO_COLOR });
  process.exitCode = code;
  // Pending keep-alive sockets or stdin must not hold the process open; exit once stdout is flushed.
  process.stdout.write('', () => process.exit(code));
}

void main();
