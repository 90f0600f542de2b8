/** The CLI's programmatic surface (tests call the commands in-process). */
export { runCli, MAIN_USAGE, type RunCliOptions } from './cli';
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, lineReader, type CliIo } from './io';
export { runLogin, codeFromPaste, type LoginOptions, type LoginResult } from './login/run-login';
export { parseLoginArgs, LOGIN_USAGE } from './login/login.command';
export { runDoctor, resolveDoctorSettings, CHECKS } from './doctor/run-doctor';
export { parseDoctorArgs, DOCTOR_USAGE } from './doctor/doctor.command';
export { formatReport } from './doctor/format-report';
export { mask } from './doctor/redact';
export { TROUBLESHOOTING_ANCHORS } from './doctor/docs';
export type { CheckId, CheckResult, CheckStatus, DoctorOptions, DoctorReport } from './doctor/types';
