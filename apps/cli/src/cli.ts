import { DOCTOR_USAGE, parseDoctorArgs } from './doctor/doctor.command';
import { formatReport, reportHeader } from './doctor/format-report';
import { resolveDoctorSettings, runDoctor } from './doctor/run-doctor';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './io';
import { LOGIN_USAGE, parseLoginArgs } from './login/login.command';
import { runLogin } from './login/run-login';

export const MAIN_USAGE = `Usage: geminicli2api <command> [options]

Commands:
  login     sign in with Google (or import Gemini CLI's login) and write the credential file
  doctor    check a running gateway and explain what is wrong

Run \`geminicli2api <command> --help\` for the options of a command.
`;

export interface RunCliOptions {
  /**
   * The environment, handed in once by the entry point (main.ts: process.env after ./.env). Each command parses it
   * with the gateway's own schema (loadConfig); nothing below reads process.env.
   */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Colored doctor output (the binary sets it for a TTY). */
  color?: boolean;
}

/** The whole command line, in-process: returns the exit code (0 ok, 1 failure, 2 usage). */
export async function runCli(argv: string[], io: CliIo, options: RunCliOptions): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'login': {
        const parsed = parseLoginArgs(rest);
        if (parsed.help) {
          io.stdout(LOGIN_USAGE);
          return EXIT_OK;
        }
        const { help: _help, ...loginOptions } = parsed;
        return (await runLogin({ ...loginOptions, env: options.env, cwd: options.cwd }, io)).exitCode;
      }
      case 'doctor': {
        const { help, json, ...doctorOptions } = parseDoctorArgs(rest);
        if (help) {
          io.stdout(DOCTOR_USAGE);
          return EXIT_OK;
        }
        const settings = resolveDoctorSettings({ ...doctorOptions, env: options.env, cwd: options.cwd });
        if (!json) io.stdout(reportHeader(settings));
        const report = await runDoctor(settings);
        io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, { color: options.color }));
        return report.ok ? EXIT_OK : EXIT_FAILURE;
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(MAIN_USAGE);
        return command === undefined ? EXIT_USAGE : EXIT_OK;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const usage = command === 'login' ? LOGIN_USAGE : command === 'doctor' ? DOCTOR_USAGE : MAIN_USAGE;
      io.stderr(`geminicli2api: ${error.message}\n\n${usage}`);
      return EXIT_USAGE;
    }
    io.stderr(`geminicli2api: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}
