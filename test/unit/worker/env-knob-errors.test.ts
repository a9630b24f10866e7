/** DECISIONS §7: a malformed worker env knob is a one-line ConfigError naming it, never a silent default. */
import { describe, expect, it } from 'vitest';
import { validateWorkerOptions, workerSettingsFromEnv } from '../../../src/worker/options.js';
import { isJobqError } from '../../../src/errors.js';

function configError(env: NodeJS.ProcessEnv): Error & { exitCode: number } {
  try {
    workerSettingsFromEnv(env);
  } catch (err) {
    expect(isJobqError(err, 'ConfigError')).toBe(true);
    return err as Error & { exitCode: number };
  }
  throw new Error('expected a ConfigError');
}

describe('worker env knobs', () => {
  it.each([
    [
      'JOBQ_COMPLETION_SEND_MAX_ATTEMPTS',
      'five',
      /whole number of attempts >= 0 \(0 = retry publishing forever\), got 'five'/,
    ],
    ['JOBQ_COMPLETION_SEND_MAX_ATTEMPTS', '2.5', /got '2\.5'/],
    ['JOBQ_COMPLETION_SEND_MAX_ATTEMPTS', '-1', /got '-1'/],
    ['JOBQ_CANCEL_POLL_INTERVAL', 'soon', /number of seconds >= 0 \(e\.g\. 30 or 30s\), got 'soon'/],
    ['JOBQ_CANCEL_POLL_INTERVAL', '-5', /got '-5'/],
    [
      'JOBQ_KILL_TIMEOUT',
      '10m',
      /JOBQ_KILL_TIMEOUT must be a number of seconds >= 0 \(e\.g\. 600 or 600s\), got '10m'/,
    ],
    ['JOBQ_MAX_IDLE_BACKOFF', 'Infinity', /JOBQ_MAX_IDLE_BACKOFF .*got 'Infinity'/],
    ['JOBQ_MAX_IDLE_BACKOFF', '0x10', /got '0x10'/],
    [
      'JOBQ_LOG_REFRESH_INTERVAL',
      'often',
      /JOBQ_LOG_REFRESH_INTERVAL must be a number of seconds >= 0.*got 'often'/,
    ],
    ['JOBQ_LOG_MAX_BYTES', '100', /JOBQ_LOG_MAX_BYTES must be a number of bytes >= 4096.*got '100'/],
    ['JOBQ_LOG_MAX_BYTES', '1GB', /got '1GB'/],
    ['JOBQ_IDLE_ALIGN', 'maybe', /JOBQ_IDLE_ALIGN must be 1 or 0 .*got 'maybe'/],
  ])('refuses %s=%j with an error naming the variable and the expected value', (key, value, pattern) => {
    const err = configError({ [key]: value });
    expect(err.message.startsWith(`${key} must be`)).toBe(true);
    expect(err.message).toMatch(pattern);
    expect(err.message).not.toContain('\n');
    expect(err.exitCode).toBe(2);
  });

  it('keeps 0 = retry forever, accepts an s suffix and raises values below a documented minimum', () => {
    expect(
      workerSettingsFromEnv({
        JOBQ_COMPLETION_SEND_MAX_ATTEMPTS: ' 0 ',
        JOBQ_CANCEL_POLL_INTERVAL: '0',
        JOBQ_KILL_TIMEOUT: '0s',
        JOBQ_MAX_IDLE_BACKOFF: '0.001',
      }),
    ).toEqual({
      completionSendMaxAttempts: 0,
      cancelPollIntervalS: 1,
      killTimeoutS: 0,
      maxIdleBackoffS: 0.05,
      idleAlign: true,
      taskLogs: { refreshIntervalS: 10, maxBytes: 1024 * 1024 },
    });
    expect(workerSettingsFromEnv({ JOBQ_IDLE_ALIGN: 'off' }).idleAlign).toBe(false);
    expect(workerSettingsFromEnv({ JOBQ_IDLE_ALIGN: ' 0 ' }).idleAlign).toBe(false);
    expect(workerSettingsFromEnv({ JOBQ_IDLE_ALIGN: 'YES' }).idleAlign).toBe(true);
    expect(
      workerSettingsFromEnv({ JOBQ_COMPLETION_SEND_MAX_ATTEMPTS: '7', JOBQ_KILL_TIMEOUT: '2.5s' }),
    ).toMatchObject({
      completionSendMaxAttempts: 7,
      killTimeoutS: 2.5,
    });
  });

  it('treats a blank value as unset', () => {
    expect(
      workerSettingsFromEnv({ JOBQ_COMPLETION_SEND_MAX_ATTEMPTS: '', JOBQ_KILL_TIMEOUT: '  ' }),
    ).toMatchObject({
      completionSendMaxAttempts: 0,
      killTimeoutS: 600,
    });
  });
});

describe('worker option checks before connecting', () => {
  const base = {
    queue: 'tasks',
    concurrency: 1,
    visibilityTimeoutS: 300,
    idleTimeoutS: null,
    maxIdleBackoffS: 30,
    processor: 'shell' as const,
    cancelPollIntervalS: 30,
    killTimeoutS: 600,
    completionSendMaxAttempts: 0,
  };

  it('checks the queue name by the rules of the default backend', () => {
    expect(() => validateWorkerOptions({ ...base, queue: 'My_Queue' }, { bareQueues: 'storage' })).toThrow(
      "Invalid queue 'My_Queue': Storage queue names must be lowercase.",
    );
    expect(() =>
      validateWorkerOptions({ ...base, queue: 'My_Queue' }, { bareQueues: 'service-bus' }),
    ).not.toThrow();
    expect(() => validateWorkerOptions({ ...base, queue: 'acct/x' }, { bareQueues: 'service-bus' })).toThrow(
      /needs 3-56 characters/,
    );
  });

  it('refuses a non-integer completion attempt cap', () => {
    expect(() => validateWorkerOptions({ ...base, completionSendMaxAttempts: -1 })).toThrow(
      /JOBQ_COMPLETION_SEND_MAX_ATTEMPTS must be an integer >= 0/,
    );
  });
});
